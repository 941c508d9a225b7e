package api

// The service packages below this one are generated from the models listed
// in models/services.txt, and the service catalogue from botocore.
//go:generate go run ../../tools/gen
