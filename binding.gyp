{
  "targets": [
    {
      "target_name": "trunkline_relay",
      "sources": ["native/relay/relay.c", "native/relay/udp-sender.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
