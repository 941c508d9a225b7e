package ec2

import (
	"slices"
	"strings"
)

// volumeSpec is what a volume is asked to be, checked by the rules of the
// EBS volume types as the EC2 API reference documents them for
// CreateVolume (sizes, IOPS and throughput ranges) and the EBS user guide
// (IOPS per GiB, throughput per IOPS).
type volumeSpec struct {
	Type                   string
	Size, Iops, Throughput int64
	Multi                  bool
}

type volumeLimits struct {
	minSize, maxSize int64
	// minIops and maxIops bound provisioned IOPS; zero for the types
	// whose performance follows from their size.
	minIops, maxIops int64
	iopsPerGiB       int64
}

var volumeTypeLimits = map[string]volumeLimits{
	"gp2":      {minSize: 1, maxSize: 16384},
	"gp3":      {minSize: 1, maxSize: 65536, minIops: 3000, maxIops: 80000, iopsPerGiB: 500},
	"io1":      {minSize: 4, maxSize: 16384, minIops: 100, maxIops: 64000, iopsPerGiB: 50},
	"io2":      {minSize: 4, maxSize: 65536, minIops: 100, maxIops: 256000, iopsPerGiB: 1000},
	"st1":      {minSize: 125, maxSize: 16384},
	"sc1":      {minSize: 125, maxSize: 16384},
	"standard": {minSize: 1, maxSize: 1024},
}

// gp3 baseline performance, and its throughput bounds.
const (
	gp3Iops          = 3000
	gp3Throughput    = 125
	gp3MaxThroughput = 2000
	// gp3ThroughputPerIops is the most MiB/s each provisioned IOPS buys.
	gp3ThroughputPerIops = 0.25
)

// check validates s and fills in what the type implies: gp2's IOPS from
// its size, gp3's baseline. iopsGiven/throughputGiven say whether the
// request named them (a zero value is still a value).
func (s *volumeSpec) check(iopsGiven, throughputGiven bool) error {
	if s.Type == "" {
		s.Type = "gp2"
	}
	lim, ok := volumeTypeLimits[s.Type]
	if !ok {
		return invalidParam("Value (%s) for parameter volumeType is invalid. Valid values: %s", s.Type, strings.Join(volumeTypes, ", "))
	}
	switch {
	case s.Size < lim.minSize:
		return invalidParam("Volume of %dGiB is too small for volume type %s; minimum is %dGiB", s.Size, s.Type, lim.minSize)
	case s.Size > lim.maxSize:
		return invalidParam("Volume of %dGiB is too large for volume type %s; maximum is %dGiB", s.Size, s.Type, lim.maxSize)
	}
	if err := s.checkIops(lim, iopsGiven); err != nil {
		return err
	}
	if err := s.checkThroughput(throughputGiven); err != nil {
		return err
	}
	if s.Multi && s.Type != "io1" && s.Type != "io2" {
		return invalidCombination("The parameter multiAttachEnabled is only supported for io1 and io2 volumes.")
	}
	return nil
}

func (s *volumeSpec) checkIops(lim volumeLimits, given bool) error {
	if lim.maxIops == 0 {
		if given {
			return invalidCombination("The parameter iops is not supported for %s volumes.", s.Type)
		}
		s.Iops = 0
		if s.Type == "gp2" {
			s.Iops = min(max(3*s.Size, 100), 16000)
		}
		return nil
	}
	if !given {
		if s.Type != "gp3" {
			return invalidCombination("The parameter iops must be specified for %s volumes.", s.Type)
		}
		s.Iops = gp3Iops
	}
	switch {
	case s.Iops < lim.minIops:
		return invalidParam("Volume iops of %d is too low; minimum is %d.", s.Iops, lim.minIops)
	case s.Iops > lim.maxIops:
		return invalidParam("Volume iops of %d is too high; maximum is %d.", s.Iops, lim.maxIops)
	}
	// gp3's baseline comes with every size; only IOPS above it count
	// against the ratio.
	if s.Iops > lim.minIops || s.Type != "gp3" {
		if ratio := float64(s.Iops) / float64(s.Size); ratio > float64(lim.iopsPerGiB) {
			return invalidParam("Iops to volume size ratio of %f is too high; maximum is %d", ratio, lim.iopsPerGiB)
		}
	}
	return nil
}

func (s *volumeSpec) checkThroughput(given bool) error {
	if s.Type != "gp3" {
		if given {
			return invalidCombination("throughput can only be specified for volumeType gp3.")
		}
		s.Throughput = 0
		return nil
	}
	if !given {
		s.Throughput = gp3Throughput
	}
	switch {
	case s.Throughput < gp3Throughput:
		return invalidParam("Volume throughput of %d is too low; minimum is %d.", s.Throughput, gp3Throughput)
	case s.Throughput > gp3MaxThroughput:
		return invalidParam("Volume throughput of %d is too high; maximum is %d.", s.Throughput, gp3MaxThroughput)
	}
	if ratio := float64(s.Throughput) / float64(s.Iops); s.Throughput > gp3Throughput && ratio > gp3ThroughputPerIops {
		return invalidParam("Throughput (MiBps) to iops ratio of %f is too high; maximum is %f MiBps per iops", ratio, gp3ThroughputPerIops)
	}
	return nil
}

// provisioned reports whether a volume type takes provisioned IOPS.
func provisioned(volumeType string) bool {
	return slices.Contains([]string{"gp3", "io1", "io2"}, volumeType)
}
