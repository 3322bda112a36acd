// ear parser tests: to be written.
