// The SIP UDP sender's exports (udp-sender.c), added to the relay addon's: one addon to build and load.
#ifndef TRUNKLINE_UDP_SENDER_H
#define TRUNKLINE_UDP_SENDER_H
#include <node_api.h>
int udp_sender_define(napi_env env, napi_value exports);
#endif
