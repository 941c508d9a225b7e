package ec2

import (
	"net/http"

	"hakoniwa/internal/awserr"
)

func errf(status int, code, format string, args ...any) error {
	return awserr.New(status, code, format, args...)
}

// invalidParam is EC2's catch-all refusal of a parameter value.
func invalidParam(format string, args ...any) error {
	return errf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

func invalidCombination(format string, args ...any) error {
	return errf(http.StatusBadRequest, "InvalidParameterCombination", format, args...)
}

func missingParam(name string) error {
	return errf(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter %s", name)
}

// dryRun answers a DryRun request. The gateway has already authorized the
// call (a denied one never gets here: it answers UnauthorizedOperation),
// so a dry run has succeeded by the time a handler sees it.
func dryRun(flag *bool) error {
	if flag != nil && *flag {
		return errf(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	return nil
}

func dependencyViolation(noun, id string) error {
	return errf(http.StatusBadRequest, "DependencyViolation", "The %s '%s' has dependencies and cannot be deleted.", noun, id)
}

func invalidCIDRParam(cidr string) error {
	return invalidParam("Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr)
}
