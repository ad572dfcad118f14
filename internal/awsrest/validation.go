package awsrest

import "strings"

// ParamEmptyError reports a required member that is set but empty where the
// wire form cannot carry an empty value (a path label or a required header).
// It implements smithy.InvalidParamError, so it goes into a
// smithy.InvalidParamsError next to smithy.ParamRequiredError.
type ParamEmptyError struct {
	context string
	nested  string
	field   string
}

// NewErrParamEmpty returns a [ParamEmptyError] for field.
func NewErrParamEmpty(field string) *ParamEmptyError {
	return &ParamEmptyError{field: field}
}

// Error returns "must not be empty, {Field}.".
func (e *ParamEmptyError) Error() string {
	return "must not be empty, " + e.Field() + "."
}

// Field returns the member's path, for example
// "BatchCreateUserInput.NetworkId" or "Input.Users[0].Username".
func (e *ParamEmptyError) Field() string {
	var b strings.Builder
	b.WriteString(e.context)
	if e.nested != "" {
		if b.Len() > 0 && !strings.HasPrefix(e.nested, "[") {
			b.WriteByte('.')
		}
		b.WriteString(e.nested)
	}
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(e.field)
	return b.String()
}

// SetContext sets the name of the shape holding the member.
func (e *ParamEmptyError) SetContext(ctx string) { e.context = ctx }

// AddNestedContext prepends a member name or an index ("[3]") to the path
// between the context and the field.
func (e *ParamEmptyError) AddNestedContext(ctx string) {
	switch {
	case e.nested == "":
		e.nested = ctx
	case strings.HasPrefix(e.nested, "["):
		e.nested = ctx + e.nested
	default:
		e.nested = ctx + "." + e.nested
	}
}
