#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=netbench keel.role=ROLE: the PV network's benchmark, for
# tools/bench-net.sh (this file is /tests/netbench.sh, /bin/netbench is
# tests/linux/bench/netbench.c). Parameters, the same in every run but the
# one being measured:
#   keel.mib=N     the sender makes N MiB of random data before anything is timed
#   keel.tcp=0|1   1: send them over TCP (keel.sender); 0: connect and close with
#                  no data (the receiver md5s N MiB of zeros instead, so both
#                  runs do the same work outside the transfer)
#   keel.sender=nc|netbench   the TCP sender: busybox nc (1 KiB writes, the
#                  default) or `netbench tcp-send` (64 KiB writes)
#   keel.udp=C     C datagrams of 18 bytes (60-byte frames, 64 with the FCS);
#                  0: none
#   keel.port=P    (role up) the host's TCP listener and UDP counter, 127.0.0.1:P
# Roles:
#   rx  10.0.0.1: listens on 5001 (TCP), 5002 (UDP) and 5003 (the sender's
#       "done"), tells the sender it is ready (port 5000), prints what came
#   tx  10.0.0.2: waits for rx's "ready", times the TCP transfer to
#       10.0.0.1:5001 and the UDP burst to 10.0.0.1:5002, then says "done"
#   up  an address by DHCP from Bochs's slirp behind Keel's uplink, then
#       the same transfer and burst to 10.0.2.2:P (slirp hands both to the
#       host's 127.0.0.1:P, where tools/bench-net.sh counts them)
# Times are the guest's CLOCK_MONOTONIC (its TSC: under Bochs, instructions
# of everything, at the rate Keel measured). Lines for the script:
#   keel-bench: tcp BYTES bytes NS ns (SENDER)
#   keel-bench: udp COUNT sent NS ns, E errors
#   keel-bench: received BYTES bytes md5=... / keel-bench: udp received ...
role= mib=0 tcp=1 udp=0 port= sender=nc
for arg in $(cat /proc/cmdline); do
    case $arg in
        keel.role=*) role=${arg#keel.role=} ;;
        keel.mib=*) mib=${arg#keel.mib=} ;;
        keel.tcp=*) tcp=${arg#keel.tcp=} ;;
        keel.udp=*) udp=${arg#keel.udp=} ;;
        keel.port=*) port=${arg#keel.port=} ;;
        keel.sender=*) sender=${arg#keel.sender=} ;;
    esac
done

n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /sys/class/net/eth0 ] || { echo "keel-bench: no eth0"; exit 1; }
md5() { md5sum "$1" | cut -d' ' -f1; }
# busybox nc shuts its sending half when its stdin ends, and the peer then
# stops: a listener's stdin must stay open without data (a FIFO we hold).
mkfifo /tmp/hold
exec 3<>/tmp/hold
listen() {  # PORT FILE
    nc -l -p "$1" <&3 > "$2"
}
send() {  # HOST PORT FILE: retrying while nobody listens yet (at most 300 s)
    n=0
    until nc "$1" "$2" < "$3" > /dev/null 2>/tmp/send.err; do
        n=$((n + 1))
        [ $n -ge 300 ] && { echo "keel-bench: nc to $1:$2: $(cat /tmp/send.err)"; return 1; }
        sleep 1
    done
}
# Results are printed at the end: Keel shows a guest's partial line after
# 20 ms, and a line printed just before the other VM's UDP burst (which
# keeps the CPU) would come out in two pieces.
report() { echo "$*" >> /tmp/report; }
# The timed part of a sender: TCP to HOST:TPORT, then UDP to HOST:UPORT.
transfer() {  # HOST TPORT UPORT
    src=/tmp/data
    [ "$tcp" = 1 ] || src=/dev/null
    t0=$(netbench now)
    if [ "$sender" = netbench ]; then
        netbench tcp-send "$1" "$2" $src > /dev/null
    else
        nc "$1" "$2" < $src > /dev/null
    fi || { echo "keel-bench: $sender to $1:$2 failed"; return 1; }
    t1=$(netbench now)
    report "keel-bench: tcp $(wc -c < $src) bytes $((t1 - t0)) ns ($sender)"
    if [ "$udp" -gt 0 ]; then
        set -- $(netbench udp-send "$1" "$3" "$udp") || return 1
        report "keel-bench: udp $1 sent $3 ns, $2 errors"
    fi
}
random_data() {
    dd if=/dev/urandom of=/tmp/data bs=1048576 count="$mib" 2>/dev/null
    echo "keel-bench: sending $(wc -c < /tmp/data) bytes md5=$(md5 /tmp/data)"
}

case $role in
rx)
    ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up || exit 1
    listen 5001 /tmp/data &
    tcp_pid=$!
    listen 5003 /tmp/done &
    done_pid=$!
    if [ "$udp" -gt 0 ]; then
        netbench udp-recv 5002 60 > /tmp/udp &
        udp_pid=$!
    fi
    echo ready > /tmp/ready
    send 10.0.0.2 5000 /tmp/ready || exit 1
    wait $tcp_pid
    if [ "$tcp" = 1 ]; then
        report "keel-bench: received $(wc -c < /tmp/data) bytes md5=$(md5 /tmp/data)"
    else
        dd if=/dev/zero of=/tmp/zeros bs=1048576 count="$mib" 2>/dev/null
        report "keel-bench: received $(wc -c < /tmp/data) bytes; md5 of $mib MiB of zeros=$(md5 /tmp/zeros)"
    fi
    wait $done_pid
    if [ "$udp" -gt 0 ]; then
        kill -USR1 $udp_pid
        wait $udp_pid
        set -- $(cat /tmp/udp)
        # The kernel's UDP counters: InErrors, RcvbufErrors (socket drops)
        snmp=$(grep '^Udp:' /proc/net/snmp 2>/dev/null | tail -n1 | awk '{ print "InErrors " $4 ", RcvbufErrors " $6 }')
        report "keel-bench: udp received $1 datagrams $2 bytes, first to last $3 ns; ${snmp:-no /proc/net/snmp}"
    fi
    cat /tmp/report
    ;;
tx)
    ifconfig eth0 10.0.0.2 netmask 255.255.255.0 up || exit 1
    random_data
    listen 5000 /tmp/ready || exit 1
    transfer 10.0.0.1 5001 5002 || exit 1
    echo done > /tmp/done
    send 10.0.0.1 5003 /tmp/done
    cat /tmp/report
    ;;
up)
    cat > /tmp/dhcp.sh <<'SCRIPT'
#!/bin/sh
case $1 in
    bound|renew)
        ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
        for r in $router; do route add default gw "$r" dev "$interface"; break; done
        echo "$ip $router" > /tmp/lease ;;
esac
SCRIPT
    chmod +x /tmp/dhcp.sh
    ifconfig eth0 up
    udhcpc -i eth0 -n -q -t 20 -T 2 -s /tmp/dhcp.sh > /tmp/udhcpc 2>&1 ||
        { echo "keel-bench: no DHCP lease: $(tail -n 2 /tmp/udhcpc | tr '\n' ' ')"; exit 1; }
    set -- $(cat /tmp/lease)
    echo "keel-bench: dhcp: address $1 gateway $2"
    ping -c 1 -W 5 "$2" > /dev/null || { echo "keel-bench: $2 does not answer"; exit 1; }
    random_data
    transfer 10.0.2.2 "$port" "$port" || exit 1
    cat /tmp/report
    ;;
*)
    echo "keel-bench: keel.role= must be rx, tx or up (got '$role')"
    exit 1
    ;;
esac
