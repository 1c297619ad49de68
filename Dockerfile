# rdsplan as a container: a static binary on a distroless base (CA certificates included, no
# shell), run as a non-root user. Build: docker build -t rdsplan --build-arg RDSPLAN_COMMIT="$(git rev-parse HEAD)" .
# Run:   docker run --rm -v "$PWD:/work" -e AWS_PROFILE -v "$HOME/.aws:/home/nonroot/.aws:ro" rdsplan plan --env dev
FROM rust:1-alpine AS build
RUN apk add --no-cache build-base cmake
WORKDIR /src
COPY . .
# The commit and build date `rdsplan --version` prints (the source is copied without .git).
ARG RDSPLAN_COMMIT=unknown
ARG SOURCE_DATE_EPOCH
RUN cargo build --release --locked && cp target/release/rdsplan /rdsplan

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /rdsplan /usr/local/bin/rdsplan
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/rdsplan"]
