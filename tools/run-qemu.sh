#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boot an ISO in QEMU/KVM with VT-x passed through (-cpu host,+vmx); the
# serial console is this terminal. Ends when Keel powers the machine off.
#
#   tools/run-qemu.sh ISO [extra qemu args...]
set -euo pipefail
iso=${1:?usage: $0 ISO [qemu args...]}
shift
exec qemu-system-x86_64 -enable-kvm -cpu host,+vmx -m "${KEEL_QEMU_MEGS:-1024}" \
  -display none -no-reboot -nic none -serial stdio -monitor none -cdrom "$iso" "$@"
