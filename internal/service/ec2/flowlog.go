package ec2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"hakoniwa/internal/awserr"
	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// Flow logs: the configuration AWS keeps (resource, traffic, destination,
// record format). Delivering records is later work; until then every flow
// log reports the delivery status a working one has.

// defaultLogFormat is AWS's version 2 default record format.
const defaultLogFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

// flowLogFields are the fields a custom format may name (versions 2-8 of
// the flow log record, Amazon VPC user guide, "Flow log records").
var flowLogFields = fieldSet(`version account-id interface-id srcaddr dstaddr srcport dstport protocol
		packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr
		pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service
		flow-direction traffic-path ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn
		ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name
		ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason resource-id encryption-status`)

func fieldSet(list string) map[string]bool {
	out := map[string]bool{}
	for _, f := range strings.Fields(list) {
		out[f] = true
	}
	return out
}

// flowLogTarget describes a FlowLogsResourceType: the id prefix of its
// resources and how AWS reports one that does not exist.
type flowLogTarget struct {
	prefix, code, noun string
	transitGateway     bool
}

var flowLogTargets = map[string]flowLogTarget{
	"VPC":                      {"vpc", "InvalidVpcID.NotFound", "vpc", false},
	"Subnet":                   {"subnet", "InvalidSubnetID.NotFound", "subnet", false},
	"NetworkInterface":         {"eni", "InvalidNetworkInterfaceID.NotFound", "networkInterface", false},
	"RegionalNatGateway":       {"nat", "NatGatewayNotFound", "natGateway", false},
	"TransitGateway":           {"tgw", "InvalidTransitGatewayID.NotFound", "transitGateway", true},
	"TransitGatewayAttachment": {"tgw-attach", "InvalidTransitGatewayAttachmentID.NotFound", "transitGatewayAttachment", true},
}

func flowLogParam(format string, args ...any) error {
	return errf(http.StatusBadRequest, "InvalidParameter", format, args...)
}

// checkLogFormat accepts ${field} tokens separated by single spaces.
func checkLogFormat(format string) error {
	invalid := flowLogParam("1 validation error detected: Value '%s' at 'logFormat' has an invalid format", format)
	if format == "" {
		return invalid
	}
	for _, tok := range strings.Split(format, " ") {
		name, ok := strings.CutPrefix(tok, "${")
		if !ok {
			return invalid
		}
		name, ok = strings.CutSuffix(name, "}")
		if !ok || !flowLogFields[name] {
			return invalid
		}
	}
	return nil
}

// flowLogDestination validates where a flow log delivers and fills the
// record's destination fields.
func flowLogDestination(in *ec2api.CreateFlowLogsInput, fl *flowLogRec, region, account string) error {
	dest, group, role := deref(in.LogDestination), deref(in.LogGroupName), deref(in.DeliverLogsPermissionArn)
	fl.DestinationType = deref(in.LogDestinationType)
	if fl.DestinationType == "" {
		fl.DestinationType = "cloud-watch-logs"
	}
	if in.DestinationOptions != nil && fl.DestinationType != "s3" {
		return flowLogParam("DestinationOptions is only applicable for s3 delivery")
	}
	switch fl.DestinationType {
	case "cloud-watch-logs":
		switch {
		case dest != "" && group != "":
			return invalidCombination("The parameter logDestination cannot be used with the parameter logGroupName")
		case dest == "" && group == "":
			return missingParam("LogDestination or LogGroupName")
		case role == "":
			return missingParam("DeliverLogsPermissionArn")
		case dest != "":
			name, ok := strings.CutPrefix(dest, "arn:aws:logs:")
			_, name, found := strings.Cut(name, ":log-group:")
			if !ok || !found || name == "" || strings.ContainsAny(name, ":*") {
				return flowLogParam("LogDestination: %s is not a valid CloudWatch Logs log group ARN", dest)
			}
			group = name
		default:
			dest = "arn:aws:logs:" + region + ":" + account + ":log-group:" + group
		}
		fl.LogGroup = group
	case "s3":
		if group != "" {
			return flowLogParam("LogGroupName is only applicable for cloud-watch-logs delivery")
		}
		if role != "" {
			return flowLogParam("DeliverLogsPermissionArn is not applicable for s3 delivery")
		}
		if dest == "" {
			return missingParam("LogDestination")
		}
		path, ok := strings.CutPrefix(dest, "arn:aws:s3:::")
		bucket, folder, _ := strings.Cut(path, "/")
		if !ok || bucket == "" {
			return flowLogParam("LogDestination: %s is not a valid S3 ARN", dest)
		}
		if first, _, _ := strings.Cut(folder, "/"); first == "AWSLogs" {
			return flowLogParam("LogDestination: AWSLogs is a reserved subfolder name")
		}
		if o := in.DestinationOptions; o != nil {
			fl.FileFormat = deref(o.FileFormat)
			if fl.FileFormat != "" && fl.FileFormat != "plain-text" && fl.FileFormat != "parquet" {
				return flowLogParam("DestinationOptions.FileFormat must be plain-text or parquet")
			}
			fl.HivePartitions, fl.HourlyPartition = isTrue(o.HiveCompatiblePartitions), isTrue(o.PerHourPartition)
		}
		if fl.FileFormat == "" {
			fl.FileFormat = "plain-text"
		}
	case "kinesis-data-firehose":
		if group != "" {
			return flowLogParam("LogGroupName is only applicable for cloud-watch-logs delivery")
		}
		if dest == "" {
			return missingParam("LogDestination")
		}
		if !strings.HasPrefix(dest, "arn:aws:firehose:") || !strings.Contains(dest, ":deliverystream/") {
			return flowLogParam("LogDestination: %s is not a valid Kinesis Data Firehose delivery stream ARN", dest)
		}
	default:
		return invalidParam("Value (%s) for parameter logDestinationType is invalid.", fl.DestinationType)
	}
	fl.Destination, fl.PermissionArn, fl.CrossAccount = dest, role, deref(in.DeliverCrossAccountRole)
	return nil
}

// CreateFlowLogs creates one flow log per resource. A resource that does
// not exist, or already has a flow log of the same traffic to the same
// destination, is reported in Unsuccessful while the others are created.
func (s *Service) CreateFlowLogs(ctx context.Context, in *ec2api.CreateFlowLogsInput) (*ec2api.CreateFlowLogsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if len(in.ResourceIds) == 0 {
		return nil, missingParam("ResourceId")
	}
	rtype := deref(in.ResourceType)
	target, ok := flowLogTargets[rtype]
	if !ok {
		if rtype == "" {
			return nil, missingParam("ResourceType")
		}
		return nil, invalidParam("Value (%s) for parameter resourceType is invalid.", rtype)
	}
	limit, traffic := 1000, deref(in.TrafficType)
	maxAgg := int64(600)
	if target.transitGateway {
		limit, maxAgg = 25, 60
		if traffic != "" {
			return nil, flowLogParam("TrafficType is not supported for transit gateway resource types")
		}
	} else if traffic == "" {
		return nil, missingParam("TrafficType")
	}
	if len(in.ResourceIds) > limit {
		return nil, flowLogParam("A maximum of %d resources can be specified for resource type %s", limit, rtype)
	}
	if in.MaxAggregationInterval != nil {
		maxAgg = *in.MaxAggregationInterval
		if (maxAgg != 60 && maxAgg != 600) || (target.transitGateway && maxAgg != 60) {
			return nil, flowLogParam("Invalid MaxAggregationInterval %d: it must be 60 or 600 seconds (60 for transit gateway resource types)", maxAgg)
		}
	}
	format := defaultLogFormat
	if in.LogFormat != nil {
		format = *in.LogFormat
		if err := checkLogFormat(format); err != nil {
			return nil, err
		}
	}
	tags, err := s.specTags(in.TagSpecifications, kindFlowLog.resourceType)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	proto := flowLogRec{ResourceType: rtype, TrafficType: traffic, Format: format, MaxAggregation: maxAgg, Created: s.clock.Now()}
	if err := flowLogDestination(in, &proto, sc.region, sc.account); err != nil {
		return nil, err
	}
	// Ids are drawn once, outside the transaction, which may run again.
	newIDs := make([]string, len(in.ResourceIds))
	for i := range newIDs {
		newIDs[i] = s.ids.Resource("fl")
	}
	out := &ec2api.CreateFlowLogsOutput{ClientToken: in.ClientToken}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.FlowLogIds, out.Unsuccessful = []string{}, nil
		for i, id := range in.ResourceIds {
			fail := func(code, format string, args ...any) {
				out.Unsuccessful = append(out.Unsuccessful, ec2api.UnsuccessfulItem{ResourceId: ptr(id),
					Error: &ec2api.UnsuccessfulItemError{Code: ptr(code), Message: ptr(fmt.Sprintf(format, args...))}})
			}
			found := false
			if k, ok := kindOf(id); ok && k.prefix == target.prefix && wellFormed(id, k.prefix) {
				_, f, err := rawRecord(tx, sc, k, id)
				if err != nil {
					return err
				}
				found = f
			}
			if !found {
				fail(target.code, "The %s ID '%s' does not exist", target.noun, id)
				continue
			}
			existing, err := flowLogs.by(tx, sc, "resource-id", id)
			if err != nil {
				return err
			}
			dup := false
			for _, e := range existing {
				if e.TrafficType == proto.TrafficType && e.DestinationType == proto.DestinationType && e.Destination == proto.Destination {
					dup = true
				}
			}
			if dup {
				fail("FlowLogAlreadyExists", "Error. There is an existing Flow Log with the same configuration and log destination.")
				continue
			}
			fl := proto
			fl.ID, fl.Tags, fl.ResourceID = newIDs[i], tags, id
			if err := flowLogs.put(tx, sc, &fl); err != nil {
				return err
			}
			out.FlowLogIds = append(out.FlowLogIds, fl.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var flowLogFilters = sync.OnceValue(func() filterDefs[*flowLogRec] {
	return filterDefs[*flowLogRec]{
		"deliver-log-status":   func(*flowLogRec) []string { return one("SUCCESS") },
		"log-destination-type": func(f *flowLogRec) []string { return one(f.DestinationType) },
		"flow-log-id":          func(f *flowLogRec) []string { return one(f.ID) },
		"log-group-name": func(f *flowLogRec) []string {
			if f.LogGroup == "" {
				return nil
			}
			return one(f.LogGroup)
		},
		"resource-id":  func(f *flowLogRec) []string { return one(f.ResourceID) },
		"traffic-type": func(f *flowLogRec) []string { return one(f.TrafficType) },
	}
})

func (f *flowLogRec) api() ec2api.FlowLog {
	out := ec2api.FlowLog{
		FlowLogId:              ptr(f.ID),
		CreationTime:           ptr(f.Created),
		FlowLogStatus:          ptr("ACTIVE"),
		DeliverLogsStatus:      ptr("SUCCESS"),
		ResourceId:             ptr(f.ResourceID),
		LogDestinationType:     ptr(f.DestinationType),
		LogDestination:         ptr(f.Destination),
		LogFormat:              ptr(f.Format),
		MaxAggregationInterval: ptr(f.MaxAggregation),
		Tags:                   apiTags(f.Tags),
	}
	if f.TrafficType != "" {
		out.TrafficType = ptr(f.TrafficType)
	}
	if f.LogGroup != "" {
		out.LogGroupName = ptr(f.LogGroup)
	}
	if f.PermissionArn != "" {
		out.DeliverLogsPermissionArn = ptr(f.PermissionArn)
	}
	if f.CrossAccount != "" {
		out.DeliverCrossAccountRole = ptr(f.CrossAccount)
	}
	if f.DestinationType == "s3" {
		out.DestinationOptions = &ec2api.DestinationOptionsResponse{FileFormat: ptr(f.FileFormat),
			HiveCompatiblePartitions: ptr(f.HivePartitions), PerHourPartition: ptr(f.HourlyPartition)}
	}
	return out
}

// DescribeFlowLogs lists flow logs by id and filters.
func (s *Service) DescribeFlowLogs(ctx context.Context, in *ec2api.DescribeFlowLogsInput) (*ec2api.DescribeFlowLogsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if err := checkIDs(kindFlowLog, in.FlowLogIds); err != nil {
		return nil, err
	}
	fs, err := flowLogFilters().compile(in.Filter)
	if err != nil {
		return nil, err
	}
	pg, err := parsePage(in.MaxResults, in.NextToken, len(in.FlowLogIds) > 0, "flowLogIds", describeLimits)
	if err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var items []*flowLogRec
	var next string
	err = s.st.View(ctx, func(tx store.Tx) error {
		var err error
		items, next, err = describe(tx, sc, flowLogs, kindFlowLog, query[*flowLogRec]{ids: in.FlowLogIds, filters: fs, page: pg})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeFlowLogsOutput{FlowLogs: make([]ec2api.FlowLog, 0, len(items))}
	for _, f := range items {
		out.FlowLogs = append(out.FlowLogs, f.api())
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// DeleteFlowLogs deletes flow logs; ids that name none are reported in
// Unsuccessful.
func (s *Service) DeleteFlowLogs(ctx context.Context, in *ec2api.DeleteFlowLogsInput) (*ec2api.DeleteFlowLogsOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	if len(in.FlowLogIds) == 0 {
		return nil, missingParam("FlowLogId")
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DeleteFlowLogsOutput{}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.Unsuccessful = []ec2api.UnsuccessfulItem{}
		for _, id := range in.FlowLogIds {
			fl, err := getByKind(tx, sc, flowLogs, kindFlowLog, id)
			if err != nil {
				var e *awserr.Error
				if errors.As(err, &e) {
					out.Unsuccessful = append(out.Unsuccessful, ec2api.UnsuccessfulItem{ResourceId: ptr(id),
						Error: &ec2api.UnsuccessfulItemError{Code: ptr(e.Code), Message: ptr(e.Message)}})
					continue
				}
				return err
			}
			if err := flowLogs.delete(tx, sc, fl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteFlowLogsOf removes the flow logs of a resource being deleted.
func deleteFlowLogsOf(tx store.Tx, sc scope, resourceID string) error {
	recs, err := flowLogs.by(tx, sc, "resource-id", resourceID)
	if err != nil {
		return err
	}
	for _, fl := range recs {
		if err := flowLogs.delete(tx, sc, fl); err != nil {
			return err
		}
	}
	return nil
}
