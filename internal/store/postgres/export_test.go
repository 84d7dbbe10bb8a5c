package postgres

// OpenTraced is open for the tests of package postgres_test.
var OpenTraced = open
