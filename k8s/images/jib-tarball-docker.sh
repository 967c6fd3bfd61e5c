#!/usr/bin/env bash
# A stand-in for the `docker` command, for Quarkus' Jib extension: when no registry push is asked
# for, Jib "loads the image into the Docker daemon" by piping a docker-save tarball into
# `docker load`. This script writes that tarball to $MOS_IMAGE_TAR instead, so an image can be
# built where there is no Docker daemon and pushed later (skopeo copy docker-archive:..., crane
# push, or docker load on another machine). Use:
#   MOS_IMAGE_TAR=$PWD/scorer/target/scorer-image.tar ./mvnw package -pl scorer -am \
#     -Dquarkus.container-image.build=true \
#     -Dquarkus.jib.docker-executable-name=$PWD/k8s/images/jib-tarball-docker.sh
# Jib still pulls the base image (quarkus.jib.base-jvm-image) from its registry, or reads it
# from a tar:// file.
set -euo pipefail
case "${1:-}" in
  info)
    # Jib compares the daemon's platform with the image's
    echo '{"OSType":"linux","Architecture":"x86_64"}' ;;
  load)
    : "${MOS_IMAGE_TAR:?set MOS_IMAGE_TAR to the tarball to write}"
    cat > "$MOS_IMAGE_TAR"
    echo "Loaded image tarball: $MOS_IMAGE_TAR ($(stat -c %s "$MOS_IMAGE_TAR") bytes)" ;;
  version|--version)
    echo "jib-tarball-docker (writes docker load input to \$MOS_IMAGE_TAR)" ;;
  *)
    echo "jib-tarball-docker: '$*' is not supported (only info, load, version)" >&2
    exit 1 ;;
esac
