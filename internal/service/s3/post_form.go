package s3

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"hakoniwa/internal/awserr"
)

// maxPostPreData is what S3 allows of a POST form before its file part.
const maxPostPreData = 20480

// postField is one form field as sent, before the file.
type postField struct{ name, value string }

// postForm is a browser POST upload read up to its file part, which is
// left unread for the upload to stream.
type postForm struct {
	fields []postField
	// byName holds the values by lower-cased name (S3's form field names
	// are case-insensitive); repeated fields are joined with commas, as
	// S3's policy matching expects.
	byName map[string]string
	file   io.Reader // nil when the form has no file part
}

func (f *postForm) get(name string) string { return f.byName[name] }

func (f *postForm) has(name string) bool {
	_, ok := f.byName[name]
	return ok
}

// readPostForm reads the fields of r's multipart/form-data body up to
// the part named file. Fields after the file are never read: S3 ignores
// them.
func readPostForm(r *http.Request) (*postForm, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.EqualFold(mt, "multipart/form-data") {
		return nil, awserr.New(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").
			With("Condition", "Bucket POST must be of the enclosure-type multipart/form-data")
	}
	if err != nil || params["boundary"] == "" || r.Body == nil {
		return nil, errMalformedPOST()
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	f := &postForm{byName: map[string]string{}}
	used := 0
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) && len(f.fields) > 0 {
			break
		}
		if err != nil {
			return nil, errMalformedPOST()
		}
		disp, dp, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil {
			return nil, errMalformedPOST()
		}
		name := dp["name"]
		if disp == "form-data" && strings.EqualFold(name, "file") {
			f.file = &postFile{p}
			f.expandFilename(dp)
			return f, nil
		}
		value, err := io.ReadAll(io.LimitReader(p, int64(maxPostPreData-used+1)))
		if err != nil {
			return nil, errMalformedPOST()
		}
		if used += len(name) + len(value); used > maxPostPreData {
			return nil, awserr.New(http.StatusBadRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceeding the upload file was too large.").
				With("MaxPostPreDataLengthBytes", strconv.Itoa(maxPostPreData))
		}
		f.add(name, string(value))
	}
	return f, nil
}

func (f *postForm) add(name, value string) {
	f.fields = append(f.fields, postField{name, value})
	lower := strings.ToLower(name)
	if prev, ok := f.byName[lower]; ok {
		value = prev + "," + value
	}
	f.byName[lower] = value
}

// expandFilename replaces ${filename} in every field with the base name
// of the file the client sent. A file part without a filename parameter
// leaves the variable as it is, as S3 does.
func (f *postForm) expandFilename(disposition map[string]string) {
	name, ok := disposition["filename"]
	if !ok {
		return
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	for k, v := range f.byName {
		f.byName[k] = strings.ReplaceAll(v, "${filename}", name)
	}
}

// postFile is the file part; a body cut short is a malformed request, not
// a short upload.
type postFile struct{ p *multipart.Part }

func (pf *postFile) Read(b []byte) (int, error) {
	n, err := pf.p.Read(b)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, errMalformedPOST()
	}
	return n, err
}

func errMalformedPOST() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
}
