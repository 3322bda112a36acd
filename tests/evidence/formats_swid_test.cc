// swid parser tests: to be written.
