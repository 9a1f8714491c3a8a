# Dealer portal: one static binary in a small image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# go.mod replaces gofpdf with this local copy.
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/portal . && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/portal /app/portal
# The data folder belongs to the non-root user (65532) the portal runs as.
COPY --from=build --chown=65532:65532 /out/data /data
# The database lives in the data volume; the binary needs nothing else.
VOLUME ["/data"]
ENV PORTAL_DB=/data/portal.db PORTAL_ADDR=:8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/app/portal"]
