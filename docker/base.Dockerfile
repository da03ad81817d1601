# Online route to the same base image that harness/images/build-images.ts builds offline with
# mmdebstrap: for machines that can pull from a registry. Same package list, same suite.
#   docker build -f docker/base.Dockerfile --build-arg SUITE=trixie -t chaos-harness/base:trixie docker/
ARG SUITE=trixie
FROM debian:${SUITE}-slim
# sid's Release file is often past its Valid-Until date: the harness passes -o Acquire::Check-Valid-Until=false there.
ARG APT_OPTIONS=""
COPY packages.txt /tmp/packages.txt
RUN apt-get $APT_OPTIONS update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(grep -v '^#' /tmp/packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt
