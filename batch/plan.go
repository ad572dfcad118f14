package batch

// Plan is what a run would send, computed by [Runner.Plan] without sending
// anything.
type Plan struct {
	// Operation is the adapter's operation name.
	Operation string
	// Items is the number of input items.
	Items int
	// Calls lists the calls in the order they would first be sent.
	Calls []PlannedCall
	// Invalid lists the items that fail validation and would never be sent.
	Invalid []*ItemError
}

// PlannedCall is one call of a [Plan].
type PlannedCall struct {
	Key string
	// Indexes are the input indexes of the call's items.
	Indexes []int
}
