package actions

import "fmt"

// An override is an operation whose IAM action is not the action of the
// same name. Every entry says where AWS documents it.
type override struct {
	// actions are the "prefix:Name" actions checked, in order; with
	// resolve set, the actions it may check.
	actions []string
	// resolve builds the checks itself: the actions depend on the input
	// (a version id, the statement of a PartiQL call) or each check has
	// its own resource (CopyObject's source and destination).
	resolve func(*resolver) ([]Check, error)
	// none: AWS authorizes the call for everyone.
	none bool
	// source is AWS's documentation of the mapping.
	source string
}

const (
	srcS3              = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html"
	srcS3Control       = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_DeletePublicAccessBlock.html"
	srcS3Express       = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-security-iam.html"
	srcSTS             = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
	srcGetSessionToken = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html"
	srcLambda          = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html"
	srcDynamo          = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html"
	srcPartiQL         = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html"
	srcKMS             = "https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html"
	srcSQS             = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html"
	srcSNS             = "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html"
	srcTrail           = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_ListInsightsMetricData.html"
	// newer: the operation is newer than the pinned reference; AWS names
	// its action after it (the reference's convention), so the check uses
	// that name even though the catalogue cannot describe it yet.
	newer = "operation newer than the pinned Service Authorization Reference; action of the same name"
)

// overrides is keyed by "prefix:Operation".
var overrides = map[string]override{
	// STS: "No permissions are required to perform this operation."
	"sts:GetCallerIdentity": {none: true, source: srcSTS},
	// "No permissions are required for a user to get a session token. The
	// purpose of the GetSessionToken operation is to authenticate the user
	// using MFA. You cannot use policies to control authentication
	// operations." (IAM User Guide, Permissions for GetSessionToken)
	"sts:GetSessionToken": {none: true, source: srcGetSessionToken},

	// S3: the REST operations that share an action, from "Required
	// permissions for Amazon S3 API operations".
	"s3:ListBuckets":                                 {actions: []string{"s3:ListAllMyBuckets"}, source: srcS3},
	"s3:HeadBucket":                                  {actions: []string{"s3:ListBucket"}, source: srcS3},
	"s3:ListObjects":                                 {actions: []string{"s3:ListBucket"}, source: srcS3},
	"s3:ListObjectsV2":                               {actions: []string{"s3:ListBucket"}, source: srcS3},
	"s3:ListObjectVersions":                          {actions: []string{"s3:ListBucketVersions"}, source: srcS3},
	"s3:ListMultipartUploads":                        {actions: []string{"s3:ListBucketMultipartUploads"}, source: srcS3},
	"s3:ListParts":                                   {actions: []string{"s3:ListMultipartUploadParts"}, source: srcS3},
	"s3:CreateMultipartUpload":                       {actions: []string{"s3:PutObject"}, resolve: s3PutObject, source: srcS3},
	"s3:UploadPart":                                  {actions: []string{"s3:PutObject"}, source: srcS3},
	"s3:CompleteMultipartUpload":                     {actions: []string{"s3:PutObject"}, source: srcS3},
	"s3:UploadPartCopy":                              {actions: []string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}, resolve: s3Copy, source: srcS3},
	"s3:CopyObject":                                  {actions: []string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl"}, resolve: s3Copy, source: srcS3},
	"s3:PutObject":                                   {actions: []string{"s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl"}, resolve: s3PutObject, source: srcS3},
	"s3:CreateBucket":                                {actions: []string{"s3:CreateBucket", "s3:PutBucketAcl", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning", "s3:PutBucketOwnershipControls"}, resolve: s3CreateBucket, source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html"},
	"s3:HeadObject":                                  {actions: []string{"s3:GetObject", "s3:GetObjectVersion"}, resolve: s3Versioned("s3:GetObject", "s3:GetObjectVersion"), source: srcS3},
	"s3:GetObject":                                   {actions: []string{"s3:GetObject", "s3:GetObjectVersion"}, resolve: s3Versioned("s3:GetObject", "s3:GetObjectVersion"), source: srcS3},
	"s3:SelectObjectContent":                         {actions: []string{"s3:GetObject"}, source: srcS3},
	"s3:DeleteObject":                                {actions: []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}, resolve: s3Versioned("s3:DeleteObject", "s3:DeleteObjectVersion"), source: srcS3},
	"s3:DeleteObjects":                               {actions: []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}, resolve: s3DeleteObjects, source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html"},
	"s3:GetObjectAcl":                                {actions: []string{"s3:GetObjectAcl", "s3:GetObjectVersionAcl"}, resolve: s3Versioned("s3:GetObjectAcl", "s3:GetObjectVersionAcl"), source: srcS3},
	"s3:PutObjectAcl":                                {actions: []string{"s3:PutObjectAcl", "s3:PutObjectVersionAcl"}, resolve: s3Versioned("s3:PutObjectAcl", "s3:PutObjectVersionAcl"), source: srcS3},
	"s3:GetObjectTagging":                            {actions: []string{"s3:GetObjectTagging", "s3:GetObjectVersionTagging"}, resolve: s3Versioned("s3:GetObjectTagging", "s3:GetObjectVersionTagging"), source: srcS3},
	"s3:PutObjectTagging":                            {actions: []string{"s3:PutObjectTagging", "s3:PutObjectVersionTagging"}, resolve: s3Versioned("s3:PutObjectTagging", "s3:PutObjectVersionTagging"), source: srcS3},
	"s3:DeleteObjectTagging":                         {actions: []string{"s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"}, resolve: s3Versioned("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"), source: srcS3},
	"s3:GetObjectAttributes":                         {actions: []string{"s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"}, resolve: s3Versioned("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"), source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html"},
	"s3:GetObjectTorrent":                            {actions: []string{"s3:GetObjectTorrent", "s3:GetObjectVersionTorrent"}, resolve: s3Versioned("s3:GetObjectTorrent", "s3:GetObjectVersionTorrent"), source: srcS3},
	"s3:GetBucketAccelerateConfiguration":            {actions: []string{"s3:GetAccelerateConfiguration"}, source: srcS3},
	"s3:PutBucketAccelerateConfiguration":            {actions: []string{"s3:PutAccelerateConfiguration"}, source: srcS3},
	"s3:GetBucketAnalyticsConfiguration":             {actions: []string{"s3:GetAnalyticsConfiguration"}, source: srcS3},
	"s3:ListBucketAnalyticsConfigurations":           {actions: []string{"s3:GetAnalyticsConfiguration"}, source: srcS3},
	"s3:PutBucketAnalyticsConfiguration":             {actions: []string{"s3:PutAnalyticsConfiguration"}, source: srcS3},
	"s3:DeleteBucketAnalyticsConfiguration":          {actions: []string{"s3:PutAnalyticsConfiguration"}, source: srcS3},
	"s3:DeleteBucketCors":                            {actions: []string{"s3:PutBucketCORS"}, source: srcS3},
	"s3:GetBucketEncryption":                         {actions: []string{"s3:GetEncryptionConfiguration"}, source: srcS3},
	"s3:PutBucketEncryption":                         {actions: []string{"s3:PutEncryptionConfiguration"}, source: srcS3},
	"s3:DeleteBucketEncryption":                      {actions: []string{"s3:PutEncryptionConfiguration"}, source: srcS3},
	"s3:GetBucketIntelligentTieringConfiguration":    {actions: []string{"s3:GetIntelligentTieringConfiguration"}, source: srcS3},
	"s3:ListBucketIntelligentTieringConfigurations":  {actions: []string{"s3:GetIntelligentTieringConfiguration"}, source: srcS3},
	"s3:PutBucketIntelligentTieringConfiguration":    {actions: []string{"s3:PutIntelligentTieringConfiguration"}, source: srcS3},
	"s3:DeleteBucketIntelligentTieringConfiguration": {actions: []string{"s3:PutIntelligentTieringConfiguration"}, source: srcS3},
	"s3:GetBucketInventoryConfiguration":             {actions: []string{"s3:GetInventoryConfiguration"}, source: srcS3},
	"s3:ListBucketInventoryConfigurations":           {actions: []string{"s3:GetInventoryConfiguration"}, source: srcS3},
	"s3:PutBucketInventoryConfiguration":             {actions: []string{"s3:PutInventoryConfiguration"}, source: srcS3},
	"s3:DeleteBucketInventoryConfiguration":          {actions: []string{"s3:PutInventoryConfiguration"}, source: srcS3},
	"s3:GetBucketLifecycle":                          {actions: []string{"s3:GetLifecycleConfiguration"}, source: srcS3},
	"s3:GetBucketLifecycleConfiguration":             {actions: []string{"s3:GetLifecycleConfiguration"}, source: srcS3},
	"s3:PutBucketLifecycle":                          {actions: []string{"s3:PutLifecycleConfiguration"}, source: srcS3},
	"s3:PutBucketLifecycleConfiguration":             {actions: []string{"s3:PutLifecycleConfiguration"}, source: srcS3},
	"s3:DeleteBucketLifecycle":                       {actions: []string{"s3:PutLifecycleConfiguration"}, source: srcS3},
	"s3:GetBucketMetricsConfiguration":               {actions: []string{"s3:GetMetricsConfiguration"}, source: srcS3},
	"s3:ListBucketMetricsConfigurations":             {actions: []string{"s3:GetMetricsConfiguration"}, source: srcS3},
	"s3:PutBucketMetricsConfiguration":               {actions: []string{"s3:PutMetricsConfiguration"}, source: srcS3},
	"s3:DeleteBucketMetricsConfiguration":            {actions: []string{"s3:PutMetricsConfiguration"}, source: srcS3},
	"s3:CreateBucketMetadataConfiguration":           {actions: []string{"s3:CreateBucketMetadataTableConfiguration"}, source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucketMetadataConfiguration.html"},
	"s3:GetBucketMetadataConfiguration":              {actions: []string{"s3:GetBucketMetadataTableConfiguration"}, source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketMetadataConfiguration.html"},
	"s3:DeleteBucketMetadataConfiguration":           {actions: []string{"s3:DeleteBucketMetadataTableConfiguration"}, source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketMetadataConfiguration.html"},
	"s3:GetBucketNotificationConfiguration":          {actions: []string{"s3:GetBucketNotification"}, source: srcS3},
	"s3:PutBucketNotificationConfiguration":          {actions: []string{"s3:PutBucketNotification"}, source: srcS3},
	"s3:DeleteBucketOwnershipControls":               {actions: []string{"s3:PutBucketOwnershipControls"}, source: srcS3},
	"s3:GetBucketReplication":                        {actions: []string{"s3:GetReplicationConfiguration"}, source: srcS3},
	"s3:PutBucketReplication":                        {actions: []string{"s3:PutReplicationConfiguration"}, source: srcS3},
	"s3:DeleteBucketReplication":                     {actions: []string{"s3:PutReplicationConfiguration"}, source: srcS3},
	"s3:DeleteBucketTagging":                         {actions: []string{"s3:PutBucketTagging"}, source: srcS3},
	"s3:GetObjectLockConfiguration":                  {actions: []string{"s3:GetBucketObjectLockConfiguration"}, source: srcS3},
	"s3:PutObjectLockConfiguration":                  {actions: []string{"s3:PutBucketObjectLockConfiguration"}, source: srcS3},
	"s3:GetPublicAccessBlock":                        {actions: []string{"s3:GetBucketPublicAccessBlock"}, source: srcS3},
	"s3:PutPublicAccessBlock":                        {actions: []string{"s3:PutBucketPublicAccessBlock"}, source: srcS3},
	"s3:DeletePublicAccessBlock":                     {actions: []string{"s3:PutBucketPublicAccessBlock"}, source: srcS3},
	// S3 Control operations are keyed by their service id: their names
	// (GetPublicAccessBlock) repeat S3's but authorize account actions.
	"s3control:GetPublicAccessBlock":                {actions: []string{"s3:GetAccountPublicAccessBlock"}, source: srcS3Control},
	"s3control:PutPublicAccessBlock":                {actions: []string{"s3:PutAccountPublicAccessBlock"}, source: srcS3Control},
	"s3control:DeletePublicAccessBlock":             {actions: []string{"s3:PutAccountPublicAccessBlock"}, source: srcS3Control},
	"s3control:DeleteAccessPointScope":              {actions: []string{"s3express:DeleteAccessPointScope"}, source: srcS3Express},
	"s3control:GetAccessPointScope":                 {actions: []string{"s3express:GetAccessPointScope"}, source: srcS3Express},
	"s3control:PutAccessPointScope":                 {actions: []string{"s3express:PutAccessPointScope"}, source: srcS3Express},
	"s3control:ListAccessPointsForDirectoryBuckets": {actions: []string{"s3express:ListAccessPointsForDirectoryBuckets"}, source: srcS3Express},
	// Outposts bucket operations authorize s3-outposts actions, which the
	// catalogue does not carry (hakoniwa has no Outposts): the nearest S3
	// actions stand in.
	"s3control:DeleteBucketLifecycleConfiguration": {actions: []string{"s3:PutLifecycleConfiguration"}, source: srcS3},
	"s3control:GetBucket":                          {actions: []string{"s3:ListBucket"}, source: srcS3},
	"s3control:ListRegionalBuckets":                {actions: []string{"s3:ListAllMyBuckets"}, source: srcS3},
	// Directory buckets authorize through a session.
	"s3:CreateSession":        {actions: []string{"s3express:CreateSession"}, resolve: s3Express("s3express:CreateSession"), source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateSession.html"},
	"s3:RenameObject":         {actions: []string{"s3express:CreateSession"}, resolve: s3Express("s3express:CreateSession"), source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_RenameObject.html"},
	"s3:ListDirectoryBuckets": {actions: []string{"s3express:ListAllMyDirectoryBuckets"}, source: srcS3Express},
	// Object Lambda's callback is an s3-object-lambda action.
	"s3:WriteGetObjectResponse": {actions: []string{"s3-object-lambda:WriteGetObjectResponse"}, source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_WriteGetObjectResponse.html"},

	// Lambda.
	"lambda:Invoke":                      {actions: []string{"lambda:InvokeFunction"}, source: srcLambda},
	"lambda:InvokeWithResponseStream":    {actions: []string{"lambda:InvokeFunction"}, source: "https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html"},
	"lambda:GetLayerVersionByArn":        {actions: []string{"lambda:GetLayerVersion"}, source: srcLambda},
	"lambda:CreateFunction":              {actions: []string{"lambda:CreateFunction", "iam:PassRole"}, resolve: lambdaCreateFunction, source: srcLambda},
	"lambda:UpdateFunctionConfiguration": {actions: []string{"lambda:UpdateFunctionConfiguration", "iam:PassRole"}, resolve: lambdaCreateFunction, source: srcLambda},

	// DynamoDB: transactions check each item's action; PartiQL the
	// statement's verb.
	"dynamodb:TransactGetItems":      {actions: []string{"dynamodb:GetItem"}, resolve: dynamoTransactGet, source: srcDynamo},
	"dynamodb:TransactWriteItems":    {actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}, resolve: dynamoTransactWrite, source: srcDynamo},
	"dynamodb:ExecuteStatement":      {actions: partiQLActions, resolve: dynamoExecuteStatement, source: srcPartiQL},
	"dynamodb:BatchExecuteStatement": {actions: partiQLActions, resolve: dynamoBatchExecuteStatement, source: srcPartiQL},
	"dynamodb:ExecuteTransaction":    {actions: partiQLActions, resolve: dynamoExecuteTransaction, source: srcPartiQL},

	// KMS: ReEncrypt needs ReEncryptFrom on the source key and
	// ReEncryptTo on the destination key.
	"kms:ReEncrypt": {actions: []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"}, resolve: kmsReEncrypt, source: srcKMS},

	// SQS and SNS batches need the single-message action.
	"sqs:SendMessageBatch":             {actions: []string{"sqs:SendMessage"}, source: srcSQS},
	"sqs:DeleteMessageBatch":           {actions: []string{"sqs:DeleteMessage"}, source: srcSQS},
	"sqs:ChangeMessageVisibilityBatch": {actions: []string{"sqs:ChangeMessageVisibility"}, source: srcSQS},
	"sns:PublishBatch":                 {actions: []string{"sns:Publish"}, source: srcSNS},

	// STS: session tags and source identity need their own permissions on
	// the role being assumed.
	"sts:AssumeRole": {actions: []string{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}, resolve: stsAssumeRole, source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required"},

	// CloudTrail: "linked to the cloudtrail:LookupEvents action", plus
	// ListInsightsData on the trail when one is named.
	"cloudtrail:ListInsightsMetricData": {actions: []string{"cloudtrail:LookupEvents", "cloudtrail:ListInsightsData"}, resolve: trailInsightsMetricData, source: srcTrail},

	"cloudwatch:DescribeAlarmContributors": {actions: []string{"cloudwatch:DescribeAlarmContributors"}, resolve: newerAction("cloudwatch:DescribeAlarmContributors"), source: newer},
	"logs:GetLogObject":                    {actions: []string{"logs:GetLogObject"}, resolve: newerAction("logs:GetLogObject"), source: newer},
	"iam:UpdateDelegationRequest":          {actions: []string{"iam:UpdateDelegationRequest"}, resolve: updateDelegationRequest, source: newer},
}

// updateDelegationRequest checks iam:UpdateDelegationRequest, which the
// catalogue does not list yet, on the request like its sibling actions, so
// that the request owner's default permission (a resource policy) applies.
func updateDelegationRequest(r *resolver) ([]Check, error) {
	arn := ""
	if id, _ := r.Input["DelegationRequestId"].(string); id != "" {
		arn = "arn:aws:iam::" + r.Account + ":delegation-request/" + id
	}
	return []Check{{Action: "iam:UpdateDelegationRequest", ResourceType: "delegation-request", Resources: resourcesOr(arn), Unresolved: arn == ""}}, nil
}

func resourcesOr(arn string) []string {
	if arn == "" {
		return star
	}
	return []string{arn}
}

// newerAction checks an action the catalogue does not know yet: on "*",
// as nothing says what resource it takes.
func newerAction(action string) func(*resolver) ([]Check, error) {
	return func(r *resolver) ([]Check, error) {
		return []Check{{Action: action, Resources: star, Unresolved: true}}, nil
	}
}

// Actions lists the IAM actions an operation may check, whatever its
// input; nil for an operation AWS authorizes for everyone.
func Actions(serviceID, operation string) ([]string, error) {
	prefix, err := prefixOf(Request{ServiceID: serviceID})
	if err != nil {
		return nil, err
	}
	if o, ok := overrideFor(serviceID, prefix, operation); ok {
		return o.actions, nil
	}
	svc := Lookup(prefix)
	if svc == nil {
		return nil, fmt.Errorf("actions: no authorization data for service prefix %q", prefix)
	}
	a := svc.Action(operation)
	if a == nil {
		return nil, fmt.Errorf("actions: no IAM action for %s operation %s", prefix, operation)
	}
	return []string{prefix + ":" + a.Name}, nil
}
