#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=nproc: how many CPUs the guest kernel brought online.
echo "keel-test: cpus=$(nproc)"
