#!/usr/bin/perl
# A PBX for the interop tests, on Perl's Net::SIP (independent SIP software, not our stack).
#   netsip-pbx.pl call   LOCAL_ADDR EDGE_ADDR TO_URI FROM_URI HOLD_SECONDS
#   netsip-pbx.pl answer LOCAL_ADDR SECONDS
# Prints one line per event: FINAL <code>, ESTABLISHED, BYE-SENT, BYE-RECEIVED, LISTENING <addr>.
use strict;
use warnings;
use Net::SIP;
use Net::SIP::Util qw(invoke_callback);
$| = 1;

my $mode = shift @ARGV;
# G.711 A-law, as the trunk demands (the guide's codec rule).
my @pcma = (rtp_param => [8, 160, 160 / 8000, 'PCMA/8000']);

if ($mode eq 'call') {
  my ($local, $edge, $to, $from, $hold) = @ARGV;
  my $ua = Net::SIP::Simple->new(leg => $local, outgoing_proxy => $edge, from => $from);
  my ($done, $code) = (0, 0);
  my $call = $ua->invite($to,
    @pcma,
    init_media => $ua->rtp('recv_echo'),
    cb_final => sub { my ($status, $self, %info) = @_; $code = $status eq 'OK' ? 200 : ($info{code} // 0); print "FINAL $code\n"; $done = 1 if $status eq 'FAIL'; },
    cb_established => sub { print "ESTABLISHED\n" },
    recv_bye => sub { print "BYE-RECEIVED\n"; $done = 1 },
  );
  unless ($call) { print "FINAL " . ($ua->error =~ /(\d{3})/ ? $1 : 0) . "\n"; exit 0 }
  my $stop;
  $ua->add_timer($hold, \$stop);
  $ua->loop(20, \$done, \$stop);
  if (!$done && $call) {
    $call->bye(cb_final => sub { print "BYE-SENT\n" });
    my $t; $ua->add_timer(1, \$t); $ua->loop(3, \$t);
  }
  exit 0;
}

if ($mode eq 'answer') {
  my ($local, $seconds) = @ARGV;
  my $ua = Net::SIP::Simple->new(leg => $local, from => "sip:pbx\@$local");
  my $done;
  $ua->listen(
    @pcma,
    init_media => $ua->rtp('recv_echo'),
    cb_established => sub { print "ESTABLISHED\n" },
    recv_bye => sub { print "BYE-RECEIVED\n"; $done = 1 },
  );
  print "LISTENING $local\n";
  $ua->loop($seconds, \$done);
  exit 0;
}
die "usage: $0 call|answer ...\n";
