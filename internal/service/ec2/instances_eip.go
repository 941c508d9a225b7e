package ec2

import (
	"hakoniwa/internal/store"
)

// instanceEIPChanged keeps an instance's launch-time public address in
// step with the Elastic IPs of its primary address, as AWS does: the
// public address is released when an Elastic IP is associated, and a new
// one drawn when the Elastic IP is disassociated from an instance that
// runs. Associations with any other interface or address change nothing.
func (s *Service) instanceEIPChanged(tx store.Tx, sc scope, eniID, privateIP string, associated bool) error {
	if eniID == "" {
		return nil
	}
	e, err := enis.get(tx, sc, eniID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.Instance == "" || e.DeviceIndex != 0 || privateIP != e.PrivateIP {
		return nil
	}
	r, err := instances.get(tx, sc, e.Instance)
	if isNotFound(err) {
		return nil
	}
	if err != nil || r.ENI != e.ID {
		return err
	}
	switch st := r.state(s.clock.Now()); {
	case associated && r.PublicIP != "":
		if err := releaseAddress(tx, sc.region, r.PublicIP); err != nil {
			return err
		}
		r.PublicIP = ""
	case !associated && r.AssignPublic && r.PublicIP == "" && (st == instPending || st == instRunning):
		ip, err := takeAddress(tx, sc.region, r.ID, "")
		if err != nil {
			return err
		}
		r.PublicIP = ip
	default:
		return nil
	}
	return putInstance(tx, sc, r)
}

// primaryHasEIP reports whether an Elastic IP is on the instance's
// primary address: a started instance then draws no public address.
func primaryHasEIP(tx store.Tx, sc scope, r *instanceRec) (bool, error) {
	as, err := addresses.by(tx, sc, "vpc-id", r.VpcID)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if a.ENI == r.ENI && a.PrivateIP == r.PrivateIP {
			return true, nil
		}
	}
	return false, nil
}
