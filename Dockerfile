# syntax=docker/dockerfile:1
# Build: a static binary (CGO off: the embedded store's SQLite is pure Go).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# The patched miniredis go.mod replaces (internal/third_party/miniredis/PATCHES.md).
COPY internal/third_party/ internal/third_party/
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/wufei ./cmd/wufei \
 && mkdir -p /out/data

# Run: no shell, no package manager, a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wufei /wufei
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV WUFEI_DATA_DIR=/data WUFEI_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/wufei", "healthcheck"]
ENTRYPOINT ["/wufei"]
CMD ["serve", "--addr", ":8080"]
