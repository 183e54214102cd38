-- A HEP3 dissector for tshark (Wireshark 4.0 has none built in): the generic chunks of the
-- HEP3 spec (github.com/sipcapture/HEP), the SIP payload (protocol type 1) handed to
-- Wireshark's own SIP dissector. Used by test/edge/hep-export.test.ts:
--   tshark -X lua_script:hep3.lua -r capture.pcap -Y sip
local hep = Proto("hep3", "HEP3 (Homer Encapsulation Protocol v3)")
local f_len = ProtoField.uint16("hep3.length", "Length")
local f_proto_type = ProtoField.uint8("hep3.proto_type", "Protocol type")
local f_capture_id = ProtoField.uint32("hep3.capture_id", "Capture id")
local f_src_port = ProtoField.uint16("hep3.src_port", "Source port")
local f_dst_port = ProtoField.uint16("hep3.dst_port", "Destination port")
local f_src_ip = ProtoField.ipv4("hep3.src_ip", "Source IPv4")
local f_dst_ip = ProtoField.ipv4("hep3.dst_ip", "Destination IPv4")
local f_time = ProtoField.uint32("hep3.time_sec", "Timestamp (s)")
local f_corr = ProtoField.string("hep3.correlation_id", "Correlation id")
local f_agent = ProtoField.string("hep3.agent", "Capture agent name")
hep.fields = { f_len, f_proto_type, f_capture_id, f_src_port, f_dst_port, f_src_ip, f_dst_ip, f_time, f_corr, f_agent }
local sip = Dissector.get("sip")

function hep.dissector(buf, pinfo, tree)
  if buf:len() < 6 or buf(0, 4):string() ~= "HEP3" then return 0 end
  local total = buf(4, 2):uint()
  local t = tree:add(hep, buf(0, total))
  t:add(f_len, buf(4, 2))
  pinfo.cols.protocol = "HEP3"
  local q = 6
  local ptype = 0
  local payload
  while q + 6 <= total do
    local vendor = buf(q, 2):uint()
    local ctype = buf(q + 2, 2):uint()
    local clen = buf(q + 4, 2):uint()
    if clen < 6 then break end
    local v = buf(q + 6, clen - 6)
    if vendor == 0 then
      if ctype == 3 then t:add(f_src_ip, v)
      elseif ctype == 4 then t:add(f_dst_ip, v)
      elseif ctype == 7 then t:add(f_src_port, v)
      elseif ctype == 8 then t:add(f_dst_port, v)
      elseif ctype == 9 then t:add(f_time, v)
      elseif ctype == 11 then ptype = v:uint(); t:add(f_proto_type, v)
      elseif ctype == 12 then t:add(f_capture_id, v)
      elseif ctype == 15 then payload = v
      elseif ctype == 17 then t:add(f_corr, v)
      elseif ctype == 19 then t:add(f_agent, v)
      end
    end
    q = q + clen
  end
  if payload and ptype == 1 then sip:call(payload:tvb(), pinfo, tree) end
  return total
end

DissectorTable.get("udp.port"):add(9060, hep)
