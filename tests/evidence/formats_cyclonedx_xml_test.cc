// cyclonedx_xml parser tests: to be written.
