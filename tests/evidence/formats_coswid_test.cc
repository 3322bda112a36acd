// coswid parser tests: to be written.
