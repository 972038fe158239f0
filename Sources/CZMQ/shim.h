#ifndef RNNSCRIPT_ZMQ_SHIM_H
#define RNNSCRIPT_ZMQ_SHIM_H
#include <zmq.h>
#endif
