package ec2

import (
	"context"
	"net/http"

	"hakoniwa/internal/store"

	ec2api "hakoniwa/internal/api/ec2"
)

// ebsSettings are an account's EBS encryption settings in a Region:
// encryption by default, and the key new encrypted volumes take (the AWS
// managed aws/ebs key when KeyID is empty).
type ebsSettings struct {
	ByDefault bool   `json:"byDefault,omitempty"`
	KeyID     string `json:"key,omitempty"`
}

func ebsSettingsBucket(sc scope) store.Bucket {
	return store.Bucket{Account: sc.account, Region: sc.region, Service: "ec2", Kind: "ebs-settings"}
}

func loadEBSSettings(tx store.Tx, sc scope) (ebsSettings, error) {
	set, err := store.GetJSON[ebsSettings](tx, ebsSettingsBucket(sc), "encryption")
	if isNotFound(err) {
		return ebsSettings{}, nil
	}
	return set, err
}

func (e ebsSettings) key(sc scope) string {
	if e.KeyID != "" {
		return e.KeyID
	}
	return defaultEBSKey(sc)
}

// encryption decides a new volume's or snapshot copy's encryption: the
// source's when it is encrypted, else the request's flag or the account's
// encryption by default, and KmsKeyId only with encryption on.
func encryption(tx store.Tx, sc scope, flag *bool, keyID *string, srcEncrypted bool, srcKey string) (bool, string, error) {
	if keyID != nil && !isTrue(flag) {
		return false, "", errf(http.StatusBadRequest, "InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.")
	}
	set, err := loadEBSSettings(tx, sc)
	if err != nil {
		return false, "", err
	}
	switch {
	case keyID != nil:
		return true, kmsKeyARN(sc, *keyID), nil
	case srcEncrypted:
		return true, srcKey, nil
	case isTrue(flag) || set.ByDefault:
		return true, set.key(sc), nil
	}
	return false, "", nil
}

// changeEBSSettings reads the caller's settings and, with change, stores
// them changed.
func (s *Service) changeEBSSettings(ctx context.Context, dry *bool, change func(*ebsSettings, scope)) (ebsSettings, scope, error) {
	if err := dryRun(dry); err != nil {
		return ebsSettings{}, scope{}, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return ebsSettings{}, sc, err
	}
	var set ebsSettings
	if change == nil {
		err = s.st.View(ctx, func(tx store.Tx) error {
			var err error
			set, err = loadEBSSettings(tx, sc)
			return err
		})
		return set, sc, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		var err error
		if set, err = loadEBSSettings(tx, sc); err != nil {
			return err
		}
		change(&set, sc)
		return store.PutJSON(tx, ebsSettingsBucket(sc), "encryption", set)
	})
	return set, sc, err
}

// EnableEbsEncryptionByDefault makes every new volume of the Region
// encrypted.
func (s *Service) EnableEbsEncryptionByDefault(ctx context.Context, in *ec2api.EnableEbsEncryptionByDefaultInput) (*ec2api.EnableEbsEncryptionByDefaultOutput, error) {
	set, _, err := s.changeEBSSettings(ctx, in.DryRun, func(e *ebsSettings, _ scope) { e.ByDefault = true })
	if err != nil {
		return nil, err
	}
	return &ec2api.EnableEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: ptr(set.ByDefault)}, nil
}

// DisableEbsEncryptionByDefault turns encryption by default off.
func (s *Service) DisableEbsEncryptionByDefault(ctx context.Context, in *ec2api.DisableEbsEncryptionByDefaultInput) (*ec2api.DisableEbsEncryptionByDefaultOutput, error) {
	set, _, err := s.changeEBSSettings(ctx, in.DryRun, func(e *ebsSettings, _ scope) { e.ByDefault = false })
	if err != nil {
		return nil, err
	}
	return &ec2api.DisableEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: ptr(set.ByDefault)}, nil
}

// GetEbsEncryptionByDefault reports whether encryption by default is on.
func (s *Service) GetEbsEncryptionByDefault(ctx context.Context, in *ec2api.GetEbsEncryptionByDefaultInput) (*ec2api.GetEbsEncryptionByDefaultOutput, error) {
	set, _, err := s.changeEBSSettings(ctx, in.DryRun, nil)
	if err != nil {
		return nil, err
	}
	return &ec2api.GetEbsEncryptionByDefaultOutput{EbsEncryptionByDefault: ptr(set.ByDefault)}, nil
}

// GetEbsDefaultKmsKeyId reports the key new encrypted volumes take.
func (s *Service) GetEbsDefaultKmsKeyId(ctx context.Context, in *ec2api.GetEbsDefaultKmsKeyIdInput) (*ec2api.GetEbsDefaultKmsKeyIdOutput, error) {
	set, sc, err := s.changeEBSSettings(ctx, in.DryRun, nil)
	if err != nil {
		return nil, err
	}
	return &ec2api.GetEbsDefaultKmsKeyIdOutput{KmsKeyId: ptr(set.key(sc))}, nil
}

// ModifyEbsDefaultKmsKeyId sets the key new encrypted volumes take.
func (s *Service) ModifyEbsDefaultKmsKeyId(ctx context.Context, in *ec2api.ModifyEbsDefaultKmsKeyIdInput) (*ec2api.ModifyEbsDefaultKmsKeyIdOutput, error) {
	if deref(in.KmsKeyId) == "" {
		return nil, missingParam("KmsKeyId")
	}
	set, sc, err := s.changeEBSSettings(ctx, in.DryRun, func(e *ebsSettings, sc scope) { e.KeyID = kmsKeyARN(sc, *in.KmsKeyId) })
	if err != nil {
		return nil, err
	}
	return &ec2api.ModifyEbsDefaultKmsKeyIdOutput{KmsKeyId: ptr(set.key(sc))}, nil
}

// ResetEbsDefaultKmsKeyId goes back to the AWS managed key.
func (s *Service) ResetEbsDefaultKmsKeyId(ctx context.Context, in *ec2api.ResetEbsDefaultKmsKeyIdInput) (*ec2api.ResetEbsDefaultKmsKeyIdOutput, error) {
	set, sc, err := s.changeEBSSettings(ctx, in.DryRun, func(e *ebsSettings, _ scope) { e.KeyID = "" })
	if err != nil {
		return nil, err
	}
	return &ec2api.ResetEbsDefaultKmsKeyIdOutput{KmsKeyId: ptr(set.key(sc))}, nil
}

// EnableVolumeIO resumes I/O on a volume; it never stops here, so this
// only checks the volume.
func (s *Service) EnableVolumeIO(ctx context.Context, in *ec2api.EnableVolumeIOInput) (*ec2api.EnableVolumeIOOutput, error) {
	if err := dryRun(in.DryRun); err != nil {
		return nil, err
	}
	sc, _, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	return &ec2api.EnableVolumeIOOutput{}, s.st.View(ctx, func(tx store.Tx) error {
		_, err := getVolume(tx, sc, deref(in.VolumeId), now)
		return err
	})
}
