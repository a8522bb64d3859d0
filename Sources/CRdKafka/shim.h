// librdkafka, only for tests and the sandbox: its in-process mock cluster is a Kafka peer
// independent of our own producer. Needs Debian's librdkafka-dev.
#ifndef INGEST_CRDKAFKA_SHIM_H
#define INGEST_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
