package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/wickr"
)

// got is a record as the tests compare it.
type got[T any] struct {
	index, line int
	item        T
	code        batch.Code
	field       string
	msg         string
}

func collect[T any](src source[T]) []got[T] {
	var out []got[T]
	for r := range src.records() {
		g := got[T]{index: r.index, line: r.line, item: r.item}
		if r.bad != nil {
			g.code, g.field, g.msg = r.bad.Code, r.bad.Field, r.bad.Message
		}
		out = append(out, g)
	}
	return out
}

func associationFields() *fieldSet[appstream.Association] {
	return newFieldSet(associateSpec(appstream.Associate, "associate", "").fields)
}

func TestCSV(t *testing.T) {
	in := "\uFEFFstack_name,User Name,authenticationtype,SendEmailNotification\n" +
		"s1,jane@example.com,USERPOOL,true\n" +
		"\n" + // blank lines are not records
		"s1,john@example.com,SAML\n" + // too few fields
		"\"s2\",\"multi\nline@example.com\",API,false\n" +
		"s1,bare\"quote@example.com,API,false\n" +
		"s3,x@example.com,API,maybe\n" +
		"s4,y@example.com,AWS_AD,\n"
	src, err := newCSVSource(strings.NewReader(in), associationFields())
	if err != nil {
		t.Fatal(err)
	}
	recs := collect(src)
	if err := src.Err(); err != nil {
		t.Fatal(err)
	}
	want := []got[appstream.Association]{
		{index: 0, line: 2, item: appstream.Association{StackName: "s1", UserName: "jane@example.com", AuthenticationType: "USERPOOL", SendEmailNotification: true}},
		{index: 1, line: 4, code: batch.CodeInvalidInput, msg: "line 4: the record has 3 fields, the header has 4"},
		{index: 2, line: 5, code: batch.CodeInvalidInput, msg: "line 5: a quoted value runs over lines 5 to 6 (a quote left open?): values cannot hold line breaks, and lines 6 to 6 were read as part of this row"},
		{index: 3, line: 7, code: batch.CodeInvalidInput},
		{index: 4, line: 8, code: batch.CodeInvalidInput, field: "SendEmailNotification", msg: "line 8: field SendEmailNotification: want true or false"},
		{index: 5, line: 9, item: appstream.Association{StackName: "s4", UserName: "y@example.com", AuthenticationType: "AWS_AD"}},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i := range want {
		g, w := recs[i], want[i]
		if g.index != w.index || g.line != w.line || g.code != w.code || g.field != w.field {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
		}
		if w.code == "" && g.item != w.item {
			t.Errorf("record %d item = %+v, want %+v", i, g.item, w.item)
		}
		if w.msg != "" && g.msg != w.msg {
			t.Errorf("record %d message = %q, want %q", i, g.msg, w.msg)
		}
	}
	if !strings.HasPrefix(recs[3].msg, "line 7: not valid CSV: ") {
		t.Errorf("bare quote message = %q, want it to name line 7", recs[3].msg)
	}
	for _, r := range recs {
		if strings.Contains(r.msg, "@example.com") {
			t.Errorf("message %q quotes a user name", r.msg)
		}
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "the CSV input is empty"},
		{"StackName,UserName\n", "lacks the required column AuthenticationType"},
		{"StackName,UserName,AuthenticationType,Color\n", `unknown column "Color"`},
		{"StackName,UserName,AuthenticationType,stack_name\n", "names column StackName twice"},
		{"\"StackName,UserName\n", "reading the CSV header"},
	} {
		_, err := newCSVSource(strings.NewReader(tc.in), associationFields())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("header %q: error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestCSVListColumn(t *testing.T) {
	fs := newFieldSet(createUsersSpec().fields)
	src, err := newCSVSource(strings.NewReader("network_id,username,security_group_id,invite_code_ttl\n12345678,a,sg-1,7\n12345678,b,sg-1;sg-2,\n12345678,c,,x\n"), fs)
	if err != nil {
		t.Fatal(err)
	}
	recs := collect(src)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	if g := recs[0].item; !slices.Equal(g.SecurityGroupIds, []string{"sg-1"}) || g.InviteCodeTtl == nil || *g.InviteCodeTtl != 7 {
		t.Errorf("record 0 = %+v, want one group and a TTL of 7", g)
	}
	if g := recs[1].item; !slices.Equal(g.SecurityGroupIds, []string{"sg-1", "sg-2"}) || g.InviteCodeTtl != nil {
		t.Errorf("record 1 = %+v, want two groups and no TTL", g)
	}
	if g := recs[2]; g.code != batch.CodeInvalidInput || g.field != "InviteCodeTtl" {
		t.Errorf("record 2 = %+v, want InvalidInput in InviteCodeTtl", g)
	}
}

func TestJSONL(t *testing.T) {
	in := `{"StackName":"s1","UserName":"jane@example.com","AuthenticationType":"USERPOOL","send_email_notification":true}` + "\r\n" +
		"\n   \n" +
		`{"StackName":"s1","UserName":"john@example.com"` + "\n" + // truncated
		`{"StackName":"s1","UserName":"x@example.com","AuthenticationType":"API","Color":"red"}` + "\n" +
		`{"StackName":"s1","UserName":"x@example.com"}` + "\n" +
		`{"StackName":["s1"],"UserName":"x@example.com","AuthenticationType":"API"}` + "\n" +
		`[1,2]` + "\n" +
		`null` + "\n" +
		`{"StackName":"s1","UserName":"x@example.com","AuthenticationType":"API","SendEmailNotification":"yes"}` + "\n" +
		`{"StackName":null,"UserName":"z@example.com","AuthenticationType":"API","SendEmailNotification":"false"}` // no newline at the end
	recs := collect[appstream.Association](newJSONLSource(strings.NewReader(in), associationFields()))
	want := []got[appstream.Association]{
		{index: 0, line: 1, item: appstream.Association{StackName: "s1", UserName: "jane@example.com", AuthenticationType: "USERPOOL", SendEmailNotification: true}},
		{index: 1, line: 4, code: batch.CodeInvalidInput},
		{index: 2, line: 5, code: batch.CodeInvalidInput, msg: `line 5: unknown field "Color"; the fields are StackName, UserName, AuthenticationType (optional: SendEmailNotification)`},
		{index: 3, line: 6, code: batch.CodeInvalidInput, field: "AuthenticationType", msg: "line 6: field AuthenticationType: missing"},
		{index: 4, line: 7, code: batch.CodeInvalidInput, field: "StackName", msg: "line 7: field StackName: want a string, got an array"},
		{index: 5, line: 8, code: batch.CodeInvalidInput, msg: "line 8: not a JSON object"},
		{index: 6, line: 9, code: batch.CodeInvalidInput, msg: "line 9: not a JSON object"},
		{index: 7, line: 10, code: batch.CodeInvalidInput, field: "SendEmailNotification"},
		{index: 8, line: 11, code: batch.CodeInvalidInput, field: "StackName", msg: "line 11: field StackName: null; want a string"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i := range want {
		g, w := recs[i], want[i]
		if g.index != w.index || g.line != w.line || g.code != w.code || g.field != w.field || (w.msg != "" && g.msg != w.msg) {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
		}
		if w.code == "" && g.item != w.item {
			t.Errorf("record %d item = %+v, want %+v", i, g.item, w.item)
		}
		if strings.Contains(g.msg, "@example.com") {
			t.Errorf("message %q quotes a user name", g.msg)
		}
	}
	if !strings.HasPrefix(recs[1].msg, "line 4: not valid JSON") {
		t.Errorf("truncated line message = %q, want it to name line 4", recs[1].msg)
	}
}

func TestJSONLListsAndNumbers(t *testing.T) {
	fs := newFieldSet(createUsersSpec().fields)
	in := `{"NetworkId":"12345678","Username":"a","SecurityGroupIds":["sg-1"],"InviteCodeTtl":30,"CodeValidation":true}` + "\n" +
		`{"NetworkId":"12345678","Username":"b","SecurityGroupId":"sg-2","InviteCodeTtl":1.5}` + "\n" +
		`{"NetworkId":"12345678","Username":"c","SecurityGroupIds":[1]}` + "\n"
	recs := collect[wickr.NewUser](newJSONLSource(strings.NewReader(in), fs))
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	a := recs[0].item
	if recs[0].code != "" || !slices.Equal(a.SecurityGroupIds, []string{"sg-1"}) || *a.InviteCodeTtl != 30 || !*a.CodeValidation {
		t.Errorf("record 0 = %+v", recs[0])
	}
	if recs[1].code != batch.CodeInvalidInput || recs[1].field != "InviteCodeTtl" {
		t.Errorf("record 1 = %+v, want InvalidInput in InviteCodeTtl", recs[1])
	}
	if recs[2].code != batch.CodeInvalidInput || recs[2].field != "SecurityGroupIds" {
		t.Errorf("record 2 = %+v, want InvalidInput in SecurityGroupIds", recs[2])
	}
}

func TestJSONLLongLine(t *testing.T) {
	long := `{"StackName":"` + strings.Repeat("s", maxLine+10) + `"}`
	in := long + "\n" + `{"StackName":"s1","UserName":"u","AuthenticationType":"API"}` + "\n"
	recs := collect[appstream.Association](newJSONLSource(strings.NewReader(in), associationFields()))
	if len(recs) != 2 || recs[0].code != batch.CodeInvalidInput || recs[0].line != 1 || recs[1].code != "" || recs[1].line != 2 {
		t.Fatalf("records = %+v, want a too-long line 1 and a good line 2", recs)
	}
}

// endless is an input that never ends: reading it whole would never return.
type endless struct {
	line []byte
	off  int
	read int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], e.line[e.off:])
		n += k
		e.off = (e.off + k) % len(e.line)
	}
	e.read += n
	return n, nil
}

// TestSourcesAreLazy checks that records come one at a time from an input
// that never ends, so memory does not grow with the input.
func TestSourcesAreLazy(t *testing.T) {
	line := []byte(`{"StackName":"s1","UserName":"u","AuthenticationType":"API"}` + "\n")
	in := &endless{line: line}
	n := 0
	for r := range newJSONLSource(in, associationFields()).records() {
		if r.bad != nil {
			t.Fatalf("record %d: %v", r.index, r.bad)
		}
		n++
		if n == 1000 {
			break
		}
	}
	if in.read > 1000*len(line)+128<<10 {
		t.Errorf("read %d bytes for 1000 records of %d bytes", in.read, len(line))
	}

	csvIn := io.MultiReader(strings.NewReader("StackName,UserName,AuthenticationType\n"), &endless{line: []byte("s1,u,API\n")})
	src, err := newCSVSource(csvIn, associationFields())
	if err != nil {
		t.Fatal(err)
	}
	n = 0
	for r := range src.records() {
		if r.bad != nil || r.index != n {
			t.Fatalf("record %+v, want index %d and no error", r, n)
		}
		n++
		if n == 1000 {
			break
		}
	}
}

func TestReadResume(t *testing.T) {
	const header = `{"batchctl":"batchctl (devel)","command":"associate","operation":"BatchAssociateUserStack","input":"in.csv","input_rows":9,"input_sha256":"abc"}` + "\n"
	in := header +
		`{"index":0,"operation":"BatchAssociateUserStack","status":"Succeeded","attempts":1}` + "\n" +
		`{"index":1,"status":"Failed","code":"NotFound","attempts":1}` + "\n" +
		"\n" +
		`{"index":2,"status":"Succeeded","attempts":0,"resumed":true}` + "\n" +
		`{"index":7,"status":"Canceled","attempts":0}` + "\n" +
		`{"index":3,"sta` // an interrupted write
	rs, err := readResume(strings.NewReader(in))
	require.NoError(t, err)
	for i, want := range []bool{true, false, true, false, false, false, false, false} {
		assert.Equal(t, want, rs.has(i), "has(%d)", i)
	}
	assert.Equal(t, "associate", rs.header.Command)
	assert.Equal(t, &fingerprint{rows: 9, sha256: "abc"}, rs.input)

	// A run from standard input records the fingerprint on its last line.
	rs, err = readResume(strings.NewReader(`{"command":"associate","input":"-"}` + "\n" + `{"index":0,"status":"Succeeded"}` + "\n" + `{"input_rows":1,"input_sha256":"def"}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, &fingerprint{rows: 1, sha256: "def"}, rs.input)

	for bad, want := range map[string]string{
		header + `{"index":0,"status":"Succeeded"}` + "\n" + `not json` + "\n": "line 3 is not JSON",
		header + `{"status":"Succeeded"}` + "\n":                               "line 2 is not an outcome record",
		header + `{"index":-1,"status":"Succeeded"}` + "\n":                    "line 2 is not an outcome record",
		`{"index":0,"status":"Succeeded"}` + "\n":                              "the first line is not the header",
		"": "the file is empty",
	} {
		_, err := readResume(strings.NewReader(bad))
		if assert.Error(t, err, "readResume(%q)", bad) {
			assert.Contains(t, err.Error(), want)
		}
	}
}

func TestResumeCheck(t *testing.T) {
	in := fingerprint{rows: 3000, sha256: "0123456789abcdef"}
	rs := &resumeSet{header: outcomeHeader{Command: "update-users", Operation: "BatchUpdateUser", Input: "users.jsonl"}, input: &in}
	require.NoError(t, rs.check("update-users", "users.jsonl", in))
	assert.EqualError(t, rs.check("associate", "users.csv", in),
		"it holds the outcomes of update-users (BatchUpdateUser), not of associate: resume with the command that wrote it")
	assert.EqualError(t, rs.check("update-users", "users2.jsonl", fingerprint{rows: 2990, sha256: "fedcba9876543210"}),
		"it was written for another input (users.jsonl, 3000 rows, sha256 0123456789ab), not users2.jsonl (2990 rows, sha256 fedcba987654): resume needs the same, unchanged input file")
	rs.input = nil
	assert.ErrorContains(t, rs.check("update-users", "users.jsonl", in), "does not record which input")
}

func TestOutcomeRecordHoldsNoValues(t *testing.T) {
	rec := newOutcomeRecord("BatchAssociateUserStack", 3, 5, batch.StatusFailed, &batch.Error{
		Code: batch.CodeNotFound, ServiceCode: "USER_NAME_NOT_FOUND", Field: "UserName", RequestID: "req-1",
		Message: "no user with this name and authentication type exists",
		Err:     errString("raw service message about jane@example.com"),
	}, 2)
	var buf bytes.Buffer
	w := newOutcomeWriter(&buf)
	w.write(rec)
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	want := `{"index":3,"line":5,"operation":"BatchAssociateUserStack","status":"Failed","code":"NotFound","service_code":"USER_NAME_NOT_FOUND","message":"no user with this name and authentication type exists","field":"UserName","attempts":2,"request_id":"req-1"}` + "\n"
	if buf.String() != want {
		t.Errorf("record = %s, want %s", buf.String(), want)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestInputFormat(t *testing.T) {
	for _, tc := range []struct {
		path, format, want string
		ok                 bool
	}{
		{"a.csv", "", "csv", true},
		{"a.CSV", "", "csv", true},
		{"a.jsonl", "", "jsonl", true},
		{"a.ndjson", "", "jsonl", true},
		{"a.txt", "jsonl", "jsonl", true},
		{"a.jsonl", "csv", "csv", true},
		{"a.txt", "", "", false},
		{"-", "", "", false},
		{"a.csv", "xml", "", false},
	} {
		got, err := inputFormat(tc.path, tc.format)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("inputFormat(%q, %q) = %q, %v; want %q, ok %t", tc.path, tc.format, got, err, tc.want, tc.ok)
		}
	}
}
