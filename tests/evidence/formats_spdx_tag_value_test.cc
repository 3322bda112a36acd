// spdx_tag_value parser tests: to be written.
