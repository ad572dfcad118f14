package wire

import "reflect"

// NoClient reports whether client, the client an adapter was built with,
// is missing: a nil interface, or an interface holding a nil pointer, map,
// slice, channel or function (for example a nil *chimesdk.Client), whose
// methods would panic on the first call.
func NoClient(client any) bool {
	if client == nil {
		return true
	}
	switch v := reflect.ValueOf(client); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Chan, reflect.Func, reflect.Interface:
		return v.IsNil()
	}
	return false
}
