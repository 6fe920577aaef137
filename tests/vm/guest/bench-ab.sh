#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Guest script of tests/vm/bench-ab.sh: AB_ROUNDS rounds, each running the
# vbench measurements over the virtio-serial ports with the rpc plugin of
# build a ($AB_a) and of build b ($AB_b), alternating which goes first;
# AB_ENV_a, AB_ENV_b: K=V[,K=V...] for that side's runs only.
# Prints "VBENCH vm-<a|b> ..." lines.
hostname vm-bench-ab
status=0
r=0
while [ "$r" -lt "${AB_ROUNDS:-3}" ]; do
	order="a b"
	[ $((r % 2)) -eq 0 ] || order="b a"
	for w in $order; do
		plugin="" extra=""
		eval "plugin=\$AB_$w extra=\${AB_ENV_$w:-}"
		for m in "$AB_NOOP noop ${AB_NOOP_CALLS:-1000} ${AB_NOOP_ROUNDS:-3}" \
			"$AB_ONNX classify /data/text0_180.jpg ${AB_CLASSIFY_ROUNDS:-20}" \
			"$AB_ONNX detect /data/sample1.jpg ${AB_DETECT_ROUNDS:-5}"; do
			# shellcheck disable=SC2086 # split on purpose
			set -- $m
			# shellcheck disable=SC2046 # K=V,K=V: one word each
			env $(echo "$extra" | tr ',' ' ') VACCEL_PLUGINS="$plugin" VACCEL_RPC_ADDRESS="$1" \
				/usr/local/bin/vbench "$2" "$3" "$4" >/tmp/vbench.out 2>&1 || status=1
			sed "s/^VBENCH /VBENCH vm-$w /; s/^\([^V]\)/ERR vm-$w \1/" /tmp/vbench.out
		done
	done
	r=$((r + 1))
done
exit "$status"
