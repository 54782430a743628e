# Builder of the `busybox` derivation, run by the host's /bin/busybox (nothing is in the store yet).
# $src is the store copy of Debian's static busybox.
bb=/bin/busybox
$bb mkdir -p "$out/bin"
$bb cp "$src" "$out/bin/busybox"
$bb chmod 555 "$out/bin/busybox"
for applet in $("$out/bin/busybox" --list); do
    [ "$applet" = busybox ] || $bb ln -s busybox "$out/bin/$applet"
done
