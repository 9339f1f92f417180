# syntax=docker/dockerfile:1
#
# Policy Radar: one static binary in a distroless image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t policyradar .
#
# emptyroot_test.go builds the binary with the very same command and runs it
# in an empty chroot as uid 65532, since our CI has no Docker engine: keep the
# two in step.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so editing the code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/policyradar . \
 && mkdir -p /out/data

# distroless static: CA certificates, tzdata, /etc/passwd with nonroot
# (uid 65532), /tmp, and no shell or package manager.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="policyradar" \
      org.opencontainers.image.description="Watches feeds on open-source AI policy and posts keyword-filtered alerts to Slack and Discord" \
      org.opencontainers.image.url="https://github.com/policyradar/policyradar" \
      org.opencontainers.image.source="https://github.com/policyradar/policyradar" \
      org.opencontainers.image.documentation="https://github.com/policyradar/policyradar/blob/main/docs/DEPLOY.md" \
      org.opencontainers.image.version="${VERSION}"

COPY --from=build /out/policyradar /policyradar
# /data does not exist in the base image, so --chown applies to the folder
# itself: a fresh named volume copies it and its owner, and the nonroot user
# can create the database there.
COPY --from=build --chown=65532:65532 /out/data/ /data/

# The working directory is / so that the default storage.path,
# data/policyradar.db, is /data/policyradar.db inside the volume. The config
# is looked up as -config, $POLICYRADAR_CONFIG, ./config.yaml,
# /etc/policyradar/config.yaml, then the built-in default: mount yours at
# /etc/policyradar/config.yaml (read-only is fine) or run the default as is.
WORKDIR /
VOLUME /data
# The built-in default listens on 127.0.0.1:8080, enough for HEALTHCHECK; a
# mounted config sets http.listen: 0.0.0.0:8080 to publish the port.
EXPOSE 8080
USER 65532:65532

# Exec form: there is no shell. healthcheck reads http.listen from the same
# config as `run` and asks GET /healthz on loopback.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/policyradar", "healthcheck"]

ENTRYPOINT ["/policyradar"]
CMD ["run"]
