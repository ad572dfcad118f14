package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchkit/batchkit/appstream"
	"github.com/batchkit/batchkit/batch"
	"github.com/batchkit/batchkit/chime"
	"github.com/batchkit/batchkit/wickr"
)

// associateCSV returns a CSV of n association rows, with line (from 1,
// counting the header) replaced by bad when it is not 0.
func associateCSV(n, line int, bad string) string {
	var b strings.Builder
	b.WriteString("StackName,UserName,AuthenticationType\n")
	for i := range n {
		if i+2 == line {
			b.WriteString(bad + "\n")
			continue
		}
		fmt.Fprintf(&b, "sales,user%04d@example.com,USERPOOL\n", i)
	}
	return b.String()
}

// TestCSVUnclosedQuoteIsReported is the regression test for one
// unterminated quote on line 303 of a 3,000-row CSV: the read ended after
// 302 rows without a word about the 2,698 lines after it.
func TestCSVUnclosedQuoteIsReported(t *testing.T) {
	in := associateCSV(3000, 303, `sales,"user0301@example.com,USERPOOL`)
	src, err := newCSVSource(strings.NewReader(in), associationFields())
	require.NoError(t, err)
	recs := collect(src)
	require.NoError(t, src.Err())
	require.Len(t, recs, 302)
	last := recs[301]
	assert.Equal(t, 303, last.line)
	assert.Equal(t, batch.CodeInvalidInput, last.code)
	assert.Contains(t, last.msg, "line 303: not valid CSV: a quote opened on this line is not closed properly, so lines 304 to 3001 were read as part of this row")
	require.NotNil(t, src.unclosed(), "the source must report the quote that swallowed the rest of the input")
	assert.Equal(t, unclosedQuote{line: 303, end: 3001}, *src.unclosed())
	assert.Equal(t, "line 303: a quote opened on this line is never closed, so the 2698 lines after it (to line 3001, the end of the input) were read as part of one value and not as rows",
		src.unclosed().Error())
}

// TestCSVQuoteClosedLater checks a quote left open that a later quote
// closes: the row fails naming the lines it swallowed, and reading goes on
// after it.
func TestCSVQuoteClosedLater(t *testing.T) {
	in := "StackName,UserName,AuthenticationType\n" +
		"sales,\"a@example.com,API\n" + // line 2: the quote runs on
		"sales,b@example.com,API\n" +
		"sales,c@example.com,\"API\"\n" + // line 4: ...and a quote here ends it, badly
		"sales,d@example.com,API\n"
	src, err := newCSVSource(strings.NewReader(in), associationFields())
	require.NoError(t, err)
	recs := collect(src)
	require.Len(t, recs, 2)
	assert.Equal(t, 2, recs[0].line)
	assert.Contains(t, recs[0].msg, "lines 3 to 4 were read as part of this row")
	assert.Equal(t, appstream.Association{StackName: "sales", UserName: "d@example.com", AuthenticationType: "API"}, recs[1].item)
	assert.Nil(t, src.unclosed(), "the input did not end inside quotes")
}

// TestValuesWithSpacesAreRejected is the regression test for "Sales "
// taken as another stack: a value with spaces at either end fails, in CSV
// and in JSONL, naming the line and field and never the value.
func TestValuesWithSpacesAreRejected(t *testing.T) {
	csvIn := "StackName,UserName,AuthenticationType\nSales ,a@example.com,API\nSales, b@example.com,API\nSales,c@example.com,API\n"
	src, err := newCSVSource(strings.NewReader(csvIn), associationFields())
	require.NoError(t, err)
	recs := collect(src)
	require.Len(t, recs, 3)
	assert.Equal(t, "line 2: field StackName: the value has spaces at its start or end; batchctl does not trim values: remove them", recs[0].msg)
	assert.Equal(t, "UserName", recs[1].field)
	assert.Empty(t, recs[2].code)

	jsonIn := `{"StackName":"Sales ","UserName":"a@example.com","AuthenticationType":"API"}` + "\n"
	recs = collect[appstream.Association](newJSONLSource(strings.NewReader(jsonIn), associationFields()))
	require.Len(t, recs, 1)
	assert.Equal(t, "StackName", recs[0].field)
	assert.NotContains(t, recs[0].msg, "Sales")
}

// TestJSONLWrongTypesAndDuplicates is the regression test for coerced
// JSONL values: "AccountId": 123 became account "123", "StackName": true
// and "SendEmailNotification": 1 were accepted, and a key given twice kept
// its last value.
func TestJSONLWrongTypesAndDuplicates(t *testing.T) {
	chimeFields := newFieldSet(updateUsersSpec().fields)
	wickrFields := newFieldSet(createUsersSpec().fields)
	for _, tc := range []struct {
		fs   any
		line string
		msg  string
	}{
		{chimeFields, `{"AccountId":123,"UserId":"u1"}`, "line 1: field AccountId: want a string, got a number"},
		{chimeFields, `{"AccountId":"a1","UserId":"u1","LicenseType":{}}`, "line 1: field LicenseType: want a string, got an object"},
		{chimeFields, `{"AccountId":"a1","UserId":"u1","AccountId":"a2"}`, "line 1: field AccountId: given twice"},
		{chimeFields, `{"AccountId":"a1","UserId":"u1","account_id":"a2"}`, `line 1: field AccountId: given twice, as "AccountId" and "account_id"`},
		{chimeFields, `{"AccountId":"a1","UserId":"u1"} {"AccountId":"a2"}`, "line 1: not valid JSON: more text after the object"},
		{chimeFields, "{\"AccountId\":\"a\xff\",\"UserId\":\"u1\"}", "line 1: not valid UTF-8"},
		{associationFields(), `{"StackName":true,"UserName":"u","AuthenticationType":"API"}`, "line 1: field StackName: want a string, got a boolean"},
		{associationFields(), `{"StackName":"s","UserName":"u","AuthenticationType":"API","SendEmailNotification":1}`, "line 1: field SendEmailNotification: want true or false, got a number"},
		{associationFields(), `{"StackName":"s","UserName":"u","AuthenticationType":"API","SendEmailNotification":"true"}`, "line 1: field SendEmailNotification: want true or false, got a string"},
		{wickrFields, `{"NetworkId":"12345678","Username":"u","SecurityGroupIds":"sg-1","InviteCodeTtl":"7"}`, "line 1: field InviteCodeTtl: want a whole number, got a string"},
		{wickrFields, `{"NetworkId":"12345678","Username":"u","SecurityGroupIds":"sg-1","InviteCodeTtl":7.5}`, "line 1: field InviteCodeTtl: want a whole number"},
		{wickrFields, `{"NetworkId":"12345678","Username":"u","SecurityGroupIds":7}`, "line 1: field SecurityGroupIds: want a string or an array of strings, got a number"},
		{wickrFields, `{"NetworkId":"12345678","Username":"u","SecurityGroupIds":["sg-1",2]}`, "line 1: field SecurityGroupIds: element 1: want a string, got a number"},
		{wickrFields, `{"NetworkId":12345678,"Username":"u","SecurityGroupIds":"sg-1"}`, "line 1: field NetworkId: want a string, got a number"},
	} {
		var msg string
		switch fs := tc.fs.(type) {
		case *fieldSet[chime.UserUpdate]:
			recs := collect(source[chime.UserUpdate](newJSONLSource(strings.NewReader(tc.line), fs)))
			require.Len(t, recs, 1)
			msg = recs[0].msg
		case *fieldSet[appstream.Association]:
			recs := collect(source[appstream.Association](newJSONLSource(strings.NewReader(tc.line), fs)))
			require.Len(t, recs, 1)
			msg = recs[0].msg
		case *fieldSet[wickr.NewUser]:
			recs := collect(source[wickr.NewUser](newJSONLSource(strings.NewReader(tc.line), fs)))
			require.Len(t, recs, 1)
			msg = recs[0].msg
		}
		assert.Equal(t, tc.msg, msg, "input %s", tc.line)
	}

	// The right types pass.
	recs := collect(source[wickr.NewUser](newJSONLSource(strings.NewReader(
		`{"NetworkId":"12345678","Username":"u","SecurityGroupIds":["sg-1"],"InviteCodeTtl":7,"CodeValidation":false,"FirstName":null}`), wickrFields)))
	require.Len(t, recs, 1)
	assert.Empty(t, recs[0].msg)
}

// TestRawRows checks that every record keeps its text as read, for
// --failed-rows: CSV rows with their quoting and line ends, blank lines
// left out, and the header apart.
func TestRawRows(t *testing.T) {
	in := "StackName,UserName,AuthenticationType\r\n" +
		"s1,a@example.com,API\r\n" +
		"\r\n" +
		"\"s,2\",b@example.com,API\r\n" +
		"s3,broken\r\n" +
		"s4,c@example.com,API" // no line end
	src, err := newCSVSource(strings.NewReader(in), associationFields())
	require.NoError(t, err)
	var raws []string
	for r := range src.records() {
		raws = append(raws, string(r.raw))
	}
	assert.Equal(t, "StackName,UserName,AuthenticationType\r\n", string(src.header()))
	assert.Equal(t, []string{"s1,a@example.com,API\r\n", "\"s,2\",b@example.com,API\r\n", "s3,broken\r\n", "s4,c@example.com,API"}, raws)

	jsonIn := "{\"StackName\":\"s1\"}\r\n\n  {\"x\":1}  \n"
	raws = nil
	for r := range newJSONLSource(strings.NewReader(jsonIn), associationFields()).records() {
		raws = append(raws, string(r.raw))
	}
	assert.Equal(t, []string{"{\"StackName\":\"s1\"}\n", "{\"x\":1}\n"}, raws)
}
