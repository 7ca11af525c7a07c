# syntax=docker/dockerfile:1
# One image for every container of the chart: the four stages, idexx-sync-dispatch and the admin CLI
# idexx-sync (style.md §3). It cannot be built on the team's machines (no registry is reachable); the chart
# tests check that it installs every binary the chart runs (architecture.md, Decision 16).
# Keep both package lists in step with ci/install-deps and the libraries CMakeLists.txt links.

# ---- build: the same Debian toolchain and -dev packages as ci/install-deps --------------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates tzdata \
      libpoco-dev libpqxx-dev libbotan-2-dev nlohmann-json3-dev prometheus-cpp-dev libboost-test-dev \
      libssl-dev libspdlog-dev libhowardhinnant-date-dev libicu-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The release preset (CMakePresets.json) builds into build/release; `cmake --install` puts every product
# binary (idexx_sync_executable() in CMakeLists.txt) into /out/bin. Migrations are embedded in the binaries.
RUN cmake --preset release \
 && cmake --build --preset release \
 && cmake --install build/release --prefix /out

# ---- runtime: only the shared libraries the binaries load, CA certificates and time zones ------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates tzdata \
      libpocofoundation80 libpoconet80 libpoconetssl80 libpocoutil80 libpococrypto80 \
      libpqxx-6.4 libbotan-2-19 libspdlog1.10 libfmt9 libdate-tz3 libicu72 \
      libprometheus-cpp-core1.0 libprometheus-cpp-push1.0 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 idexx-sync \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin idexx-sync
COPY --from=build /out/bin/ /usr/local/bin/
# The chart sets runAsUser 10001 as well; numeric so that runAsNonRoot can verify it.
USER 10001:10001
# No entrypoint: the chart names the binary of each container (command), e.g. /usr/local/bin/idexx-sync-extract.
CMD ["/usr/local/bin/idexx-sync", "--help"]
