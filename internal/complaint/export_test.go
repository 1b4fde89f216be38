package complaint

// Summary exposes the index document of a complaint to the benchmarks,
// which load complaints straight into the store.
var Summary = summary
