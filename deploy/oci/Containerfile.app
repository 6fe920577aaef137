# An application image: the upstream example programs, libvaccel and the
# transport plugin, no backend and no accelerator library. The agent's
# socket and VACCEL_* come from CDI (--device vaccel.dev/agent=default) or
# a bind mount of /run/vaccel plus -e VACCEL_PLUGINS/VACCEL_RPC_ADDRESS.
FROM scratch
ADD rootfs.tar /
LABEL org.opencontainers.image.title="vaccel-examples" \
      org.opencontainers.image.description="vAccel example programs using a host's vaccel-agent" \
      org.opencontainers.image.licenses="Apache-2.0 AND MIT"
ENV PATH=/usr/libexec/vaccel/examples:/usr/local/bin:/usr/bin:/bin
USER 10002:10002
CMD ["classify", "/usr/share/vaccel/images/example.jpg"]
