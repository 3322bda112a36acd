// spdx3 parser tests: to be written.
