#!/bin/sh
# keel.test=nproc: how many CPUs the guest kernel brought online.
echo "keel-test: cpus=$(nproc)"
