package ec2

// VPC peering connections and flow logs: records, tables and kinds.

// peeringKinds are the kinds this file owns (see kinds in records.go).
var peeringKinds = []kindInfo{}
