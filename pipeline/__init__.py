"""Pipeline steps the flows call: prepare (parse, validate), check history, load; review."""
