#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=net keel.role=ROLE: the PV network, stock xen-netfront through
# Keel's netback and virtual switch (tests/linux/net). Each VM plays a role:
#   a  10.0.0.1/16 on xenbr0: receives a file over TCP from b and prints its
#      md5, pings b, then waits for b to say that c has finished
#   b  10.0.0.2 on xenbr0 and 10.0.1.2 on xenbr1: pings a, sends 4 MiB of
#      random data to a with nc and prints its md5, waits for c's report on
#      xenbr1, then releases a
#   c  10.0.1.3/16 on xenbr1 only: reaches b's xenbr1 address (its network
#      works) but not a, although a's address is on its link by the mask
#      (a's /16 routes the answer back were a frame to leak), reports to b
#   ping       keel.ip=ADDR keel.peer=PEER: take ADDR, ping PEER, then tell
#              PEER's port 5003 that it is done
#   peer       keel.ip=ADDR: take ADDR and answer pings until told on port 5003
#   uplink     [keel.peer=HOST:PORT]: an address by DHCP from whatever is
#              behind Keel's uplink NIC (Bochs's slirp), ping its gateway, and
#              with a peer fetch http://HOST:PORT/blob and print its md5
# Messages "keel-test: ..." are what tests/linux/*/scenarios.txt look for.
role= peer=
for arg in $(cat /proc/cmdline); do
    case $arg in
        keel.role=*) role=${arg#keel.role=} ;;
        keel.ip=*) ip=${arg#keel.ip=} ;;
        keel.peer=*) peer=${arg#keel.peer=} ;;
    esac
done

# A modular kernel (Debian's) loads its own frontend, as its initramfs would.
mods=/lib/modules/$(uname -r)
if [ -f $mods/xen-netfront.ko ]; then
    insmod $mods/xen-netfront.ko || { echo "keel-test: insmod xen-netfront failed"; exit 1; }
    echo "keel-test: loaded $mods/xen-netfront.ko"
fi
wait_for() {  # FILE TENTHS
    n=0
    while [ ! -e "$1" ] && [ $n -lt "$2" ]; do sleep 0.1; n=$((n + 1)); done
    [ -e "$1" ]
}
nics=eth0
[ "$role" = b ] && nics="eth0 eth1"
for nic in $nics; do
    wait_for /sys/class/net/$nic 300 || { echo "keel-test: no $nic ($(ls /sys/class/net | tr '\n' ' '))"; exit 1; }
    driver=$(basename "$(readlink /sys/class/net/$nic/device/driver)")
    echo "keel-test: $nic driver=$driver mac=$(cat /sys/class/net/$nic/address)"
done
up() { ifconfig "$1" "$2" netmask "${3:-255.255.255.0}" up || exit 1; }
# Until HOST answers one ping, at most TRIES seconds.
reach() {  # HOST TRIES
    n=0
    until ping -c 1 -W 1 "$1" > /tmp/reach 2>&1; do
        n=$((n + 1))
        if [ $n -ge "$2" ]; then
            echo "keel-test: $1: $(tail -n 2 /tmp/reach | tr '\n' ' ')"
            echo "keel-test: $(ifconfig -a | grep -E 'Link|inet|RX|TX' | tr -s ' ' | tr '\n' ' ')"
            return 1
        fi
        sleep 1     # an unanswered ARP fails the next ping at once
    done
}
md5() { md5sum "$1" | cut -d' ' -f1; }
# Receive one connection on PORT into FILE. busybox nc exits when the socket
# reads EOF, and shuts its sending half when its stdin ends: a listener's
# stdin must stay open without data (a FIFO we hold), or the sender, seeing
# that early EOF, stops sending.
mkfifo /tmp/hold
exec 3<>/tmp/hold
listen() {  # PORT FILE
    nc -l -p "$1" <&3 > "$2"
}
# Send FILE to HOST:PORT, retrying while nobody listens yet (at most 300 s).
send() {  # HOST PORT FILE
    n=0
    until nc "$1" "$2" < "$3" > /dev/null 2>/tmp/send.err; do
        n=$((n + 1))
        [ $n -ge 300 ] && { echo "keel-test: nc to $1:$2: $(cat /tmp/send.err)"; return 1; }
        sleep 1
    done
}

case $role in
a)
    up eth0 10.0.0.1 255.255.0.0
    listen 5000 /tmp/data || exit 1
    echo "keel-test: received $(wc -c < /tmp/data) bytes md5=$(md5 /tmp/data)"
    ping -c 3 -W 5 10.0.0.2 > /tmp/ping || { cat /tmp/ping; exit 1; }
    echo "keel-test: ping 10.0.0.2: $(grep -o '[0-9]* packets received' /tmp/ping)"
    listen 5001 /tmp/release || exit 1
    echo "keel-test: released: $(cat /tmp/release)"
    ;;
b)
    up eth0 10.0.0.2
    up eth1 10.0.1.2
    reach 10.0.0.1 180 || { echo "keel-test: 10.0.0.1 does not answer"; exit 1; }
    ping -c 3 -W 5 10.0.0.1 > /tmp/ping || { cat /tmp/ping; exit 1; }
    echo "keel-test: ping 10.0.0.1: $(grep -o '[0-9]* packets received' /tmp/ping)"
    dd if=/dev/urandom of=/tmp/data bs=4096 count=1024 2>/dev/null
    echo "keel-test: sending $(wc -c < /tmp/data) bytes md5=$(md5 /tmp/data)"
    send 10.0.0.1 5000 /tmp/data || exit 1
    listen 5002 /tmp/report || exit 1
    echo "keel-test: c reports: $(cat /tmp/report)"
    echo "c: $(cat /tmp/report)" > /tmp/release
    send 10.0.0.1 5001 /tmp/release
    ;;
c)
    up eth0 10.0.1.3 255.255.0.0
    reach 10.0.1.2 180 || { echo "keel-test: 10.0.1.2 does not answer"; exit 1; }
    if ping -c 3 -W 3 10.0.0.1 > /dev/null 2>&1; then
        verdict="reached a VM on another bridge"
    else
        verdict="isolated"
    fi
    echo "keel-test: 10.0.1.2 answers; 10.0.0.1: $verdict"
    echo "$verdict" > /tmp/verdict
    send 10.0.1.2 5002 /tmp/verdict || exit 1
    [ "$verdict" = isolated ]
    ;;
uplink)
    cat > /tmp/dhcp.sh <<'SCRIPT'
#!/bin/sh
# udhcpc's hook: configure what the server offered.
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
        { echo "keel-test: no DHCP lease: $(tail -n 2 /tmp/udhcpc | tr '\n' ' ')"; exit 1; }
    set -- $(cat /tmp/lease)
    echo "keel-test: dhcp: address $1 gateway $2"
    ping -c 3 -W 5 "$2" > /tmp/ping || { cat /tmp/ping; exit 1; }
    echo "keel-test: ping $2: $(grep -o '[0-9]* packets received' /tmp/ping)"
    if [ -n "$peer" ]; then
        wget -q -O /tmp/blob "http://$peer/blob" || { echo "keel-test: wget http://$peer/blob failed"; exit 1; }
        echo "keel-test: fetched $(wc -c < /tmp/blob) bytes md5=$(md5 /tmp/blob)"
    fi
    ;;
ping)
    up eth0 "$ip"
    reach "$peer" 180 || { echo "keel-test: $peer does not answer"; exit 1; }
    ping -c 3 -W 5 "$peer" > /tmp/ping || { cat /tmp/ping; exit 1; }
    echo "keel-test: ping $peer: $(grep -o '[0-9]* packets received' /tmp/ping)"
    echo "pinged by $ip" > /tmp/release
    send "$peer" 5003 /tmp/release
    ;;
peer)
    up eth0 "$ip"
    listen 5003 /tmp/release || exit 1
    echo "keel-test: released: $(cat /tmp/release)"
    ;;
*)
    echo "keel-test: keel.role= must be a, b, c, ping, peer or uplink (got '$role')"
    exit 1
    ;;
esac
