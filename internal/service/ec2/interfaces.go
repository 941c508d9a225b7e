package ec2

// Network interfaces, VPC endpoints and prefix lists: records, tables and
// kinds.

// interfaceKinds are the kinds this file owns (see kinds in records.go).
var interfaceKinds = []kindInfo{}
