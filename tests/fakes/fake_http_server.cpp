#include "tests/fakes/fake_http_server.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace tests::fakes {

namespace {

bool iequals(std::string_view a, std::string_view b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void initialize_ssl_once()
{
  // Never uninitialised: several servers and clients share it for the whole process.
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

} // namespace

std::string FakeRequest::path() const { return target.substr(0, target.find('?')); }

std::string FakeRequest::raw_query() const
{
  const auto pos = target.find('?');
  return pos == std::string::npos ? std::string{} : target.substr(pos + 1);
}

std::optional<std::string> FakeRequest::header(std::string_view name) const
{
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> FakeRequest::cookie(std::string_view name) const
{
  for (const auto& [key, value] : cookies) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

namespace {

int hex_value(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

std::string percent_decode(std::string_view text, bool plus_is_space)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string test_ca_dir()
{
#ifdef IDEXX_SYNC_TEST_CA_DIR
  return IDEXX_SYNC_TEST_CA_DIR;
#else
  return {};
#endif
}

struct FakeHttpServer::Impl
{
  FakeHandler handler;
  mutable std::mutex mutex;
  std::vector<FakeRequest> log;
  int fail_count = 0;
  int fail_status = 500;
  // Set first thing in the destructor: a never-completing answer ends then, so threads can join.
  std::atomic<bool> stopping{false};

  FakeResponse serve(FakeRequest request)
  {
    bool inject = false;
    int status = 0;
    {
      const std::lock_guard lock(mutex);
      log.push_back(request);
      if (fail_count > 0) {
        --fail_count;
        inject = true;
        status = fail_status;
      }
    }
    if (inject) {
      return FakeResponse{status,
                          {{"Content-Type", "text/html; charset=UTF-8"}},
                          "<!DOCTYPE html><html><body><h1>Error " + std::to_string(status) +
                              "</h1></body></html>"};
    }
    return handler(request);
  }

  // Declared last: destroyed first, so no handler thread outlives the state above.
  std::uint16_t port = 0;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
};

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler
{
public:
  explicit Handler(FakeHttpServer::Impl& impl) : m_impl(impl) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override
  {
    FakeRequest received;
    received.method = request.getMethod();
    received.target = request.getURI();
    for (const auto& [name, value] : request) {
      received.headers.emplace_back(name, value);
    }
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    for (const auto& [name, value] : cookies) {
      received.cookies.emplace_back(name, value);
    }
    Poco::StreamCopier::copyToString(request.stream(), received.body);

    FakeResponse answer;
    try {
      answer = m_impl.serve(std::move(received));
    } catch (const std::exception& error) {
      answer = FakeResponse{500,
                            {{"Content-Type", "text/plain"}},
                            std::string("fake handler threw: ") + error.what()};
    }

    if (answer.delivery == Delivery::reset_connection) {
      abort_connection(request);
      return;
    }
    if (answer.delivery == Delivery::never_complete) {
      // Holds this server thread until the client gives up: its close makes the socket readable.
      auto& socket = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
      while (!m_impl.stopping.load() &&
             !socket.poll(Poco::Timespan(0, 20000), Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
      }
      abort_connection(request);
      return;
    }
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    for (const auto& [name, value] : answer.headers) {
      if (iequals(name, "Content-Type")) {
        response.setContentType(value);
      } else {
        response.add(name, value);
      }
    }
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    if (answer.delivery == Delivery::cut_body) {
      response.setKeepAlive(false);
      auto& out = response.send();
      out.write(answer.body.data(), static_cast<std::streamsize>(answer.body.size() / 2));
      out.flush();
      return; // without keep-alive the server closes the connection: EOF short of Content-Length
    }
    response.send() << answer.body;
  }

private:
  // RST instead of an orderly close: SO_LINGER 0, then the TLS layer is dropped without a
  // close_notify. Poco owns the descriptor and its later use of it fails harmlessly.
  static void abort_connection(Poco::Net::HTTPServerRequest& request)
  {
    auto& socket = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
    socket.setLinger(true, 0);
    Poco::Net::SecureStreamSocket secure(socket);
    secure.abort();
  }

  FakeHttpServer::Impl& m_impl;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory
{
public:
  explicit Factory(FakeHttpServer::Impl& impl) : m_impl(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
  {
    return new Handler(m_impl);
  }

private:
  FakeHttpServer::Impl& m_impl;
};

} // namespace

FakeHttpServer::FakeHttpServer(FakeHandler handler, FakeServerOptions options)
    : m_impl(std::make_unique<Impl>())
{
  initialize_ssl_once();
  m_impl->handler = std::move(handler);
  const std::filesystem::path dir = options.cert_dir.empty() ? test_ca_dir() : options.cert_dir;
  const auto cert = (dir / "server.pem").string();
  const auto key = (dir / "server.key").string();
  if (!std::filesystem::exists(cert) || !std::filesystem::exists(key)) {
    throw std::runtime_error("fake HTTPS server: no server.pem/server.key in '" + dir.string() +
                             "' (run ci/make-test-ca)");
  }
  try {
    const Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, key, cert, "", Poco::Net::Context::VERIFY_NONE);
    const Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", options.port),
                                               64, context);
    m_impl->port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options.max_threads);
    params->setMaxQueued(256);
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(30, 0));
    m_impl->pool = std::make_unique<Poco::ThreadPool>(2, options.max_threads + 2);
    // The server owns the factory and the params.
    m_impl->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(*m_impl), *m_impl->pool,
                                                             socket, params);
    m_impl->server->start();
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("fake HTTPS server: " + error.displayText());
  }
}

FakeHttpServer::~FakeHttpServer()
{
  m_impl->stopping = true;
  if (m_impl->server) {
    // stop() alone leaves keep-alive connections open.
    m_impl->server->stopAll(true);
    m_impl->server.reset();
  }
  if (m_impl->pool) {
    m_impl->pool->joinAll();
  }
}

std::string FakeHttpServer::base_url() const
{
  return "https://127.0.0.1:" + std::to_string(m_impl->port);
}

std::uint16_t FakeHttpServer::port() const { return m_impl->port; }

std::vector<FakeRequest> FakeHttpServer::requests() const
{
  const std::lock_guard lock(m_impl->mutex);
  return m_impl->log;
}

std::size_t FakeHttpServer::request_count() const
{
  const std::lock_guard lock(m_impl->mutex);
  return m_impl->log.size();
}

void FakeHttpServer::clear_requests()
{
  const std::lock_guard lock(m_impl->mutex);
  m_impl->log.clear();
}

void FakeHttpServer::fail_next(int count, int status)
{
  const std::lock_guard lock(m_impl->mutex);
  m_impl->fail_count = count;
  m_impl->fail_status = status;
}

} // namespace tests::fakes
