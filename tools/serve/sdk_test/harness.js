// Test harness for `chaintrust serve` driven by the official Azure IoT
// Node.js SDKs: certificates minted with the openssl CLI at test time, the
// server started on 127.0.0.1:443 (the SDKs always connect to port 443),
// and small wrappers around the device and service clients.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');

const { ProvisioningDeviceClient } = require('azure-iot-provisioning-device');
const { Http } = require('azure-iot-provisioning-device-http');
const { X509Security } = require('azure-iot-security-x509');
const { SymmetricKeySecurityClient } = require('azure-iot-security-symmetric-key');
const { ProvisioningServiceClient } = require('azure-iot-provisioning-service');

const HOST = '127.0.0.1';
const ID_SCOPE = '0ne00C0FFEE';

// run.sh mints the server's TLS certificate and the CA that Node trusts
// (NODE_EXTRA_CA_CERTS must be set before node starts) into TEST_TMPDIR.
const TMP = process.env.TEST_TMPDIR;
const BIN = process.env.CHAINTRUST_BIN;
if (!TMP || !BIN) throw new Error('run through run.sh (TEST_TMPDIR, CHAINTRUST_BIN)');

function openssl(args) {
  return execFileSync('openssl', args, { cwd: TMP, stdio: ['ignore', 'pipe', 'pipe'] });
}

function writeExtensions(name, lines) {
  const file = path.join(TMP, `${name}.ext`);
  fs.writeFileSync(file, `[v3]\n${lines.join('\n')}\n`);
  return file;
}

const CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
];
const LEAF_EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  'extendedKeyUsage=clientAuth',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
];

// Mints an EC P-256 certificate named `name` with CN `cn`, signed by
// `issuer` (a previous result) or self-signed. Returns {name, cert, key}.
function mint(name, cn, issuer, isCa) {
  const key = path.join(TMP, `${name}.key`);
  const csr = path.join(TMP, `${name}.csr`);
  const cert = path.join(TMP, `${name}.pem`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', csr]);
  const ext = writeExtensions(name, isCa ? CA_EXTENSIONS : LEAF_EXTENSIONS);
  const serial = `0x${crypto.randomBytes(8).toString('hex')}`;
  const common = ['-in', csr, '-out', cert, '-days', '30', '-sha256',
    '-set_serial', serial, '-extfile', ext, '-extensions', 'v3'];
  if (issuer) {
    openssl(['x509', '-req', ...common, '-CA', issuer.certFile, '-CAkey', issuer.keyFile]);
  } else {
    openssl(['x509', '-req', ...common, '-signkey', key]);
  }
  return {
    name, cn, certFile: cert, keyFile: key,
    cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8'),
  };
}

class Server {
  constructor(options) {
    this.options = options;
    this.process = null;
    this.log = '';
  }

  async start() {
    const args = [
      'serve', `--listen=${HOST}:443`,
      `--tls_cert=${path.join(TMP, 'server.pem')}`,
      `--tls_key=${path.join(TMP, 'server.key')}`,
      `--id_scope=${ID_SCOPE}`,
      `--policy=${this.options.policy}`,
      `--store=${this.options.store}`,
      `--service_key=${this.options.serviceKey}`,
      `--iot_hubs=${this.options.hubs.join(',')}`,
      `--max_registrations=${this.options.maxRegistrations}`,
      '--operation_retry_after=1',
      '--threads=2',
    ];
    this.process = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout.on('data', (d) => { this.log += d; });
    this.process.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 100; ++i) {
      if (this.process.exitCode !== null) break;
      if ((await get('/healthz').catch(() => ({}))).status === 200) return;
      await sleep(100);
    }
    throw new Error(`server did not start:\n${this.log}`);
  }

  // SIGTERM, then waits for a graceful exit.
  async stop() {
    if (!this.process || this.process.exitCode !== null) return this.exited;
    this.process.kill('SIGTERM');
    const result = await Promise.race([this.exited, sleep(15000).then(() => null)]);
    if (result === null) {
      this.process.kill('SIGKILL');
      throw new Error('server did not stop within 15 s of SIGTERM');
    }
    return result;
  }

  accessLog() {
    return this.log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  }
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

// A plain HTTPS request to the server (for /healthz, /metrics, raw checks).
function request(method, urlPath, { headers = {}, body, cert, key } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: HOST, port: 443, method, path: urlPath, headers, cert, key, agent: false,
    }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
function get(urlPath) { return request('GET', urlPath); }

function serviceClient(serviceKey) {
  return ProvisioningServiceClient.fromConnectionString(
    `HostName=${HOST};SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${serviceKey}`);
}

function x509Device(leaf, chain) {
  const cert = [leaf.cert, ...chain.map((c) => c.cert)].join('');
  return ProvisioningDeviceClient.create(HOST, ID_SCOPE, new Http(),
    new X509Security(leaf.cn, { cert, key: leaf.key }));
}

function symmetricKeyDevice(registrationId, key) {
  return ProvisioningDeviceClient.create(HOST, ID_SCOPE, new Http(),
    new SymmetricKeySecurityClient(registrationId, key));
}

function deriveDeviceKey(groupKey, registrationId) {
  return crypto.createHmac('sha256', Buffer.from(groupKey, 'base64'))
    .update(registrationId).digest('base64');
}

function randomKey() { return crypto.randomBytes(32).toString('base64'); }

// The HTTP status and Retry-After behind an SDK error.
function httpOf(err) {
  const response = err.response || err.transportObject || {};
  const headers = response.headers || {};
  return {
    status: response.statusCode,
    retryAfter: headers['retry-after'] === undefined ? undefined : Number(headers['retry-after']),
    body: err.responseBody || err.result,
  };
}

// Registers, and when refused with 429 waits for Retry-After and tries
// again, as a device application would (the SDK does not). At most
// `attempts` tries.
async function registerRetrying(makeClient, attempts = 6) {
  let lastError;
  for (let i = 0; i < attempts; ++i) {
    try {
      return await makeClient().register();
    } catch (err) {
      lastError = err;
      const { status, retryAfter } = httpOf(err);
      if (status !== 429) throw err;
      await sleep((retryAfter || 1) * 1000 + 100);
    }
  }
  throw lastError;
}

module.exports = {
  HOST, ID_SCOPE, TMP, Server, mint, request, get, sleep, serviceClient,
  x509Device, symmetricKeyDevice, deriveDeviceKey, randomKey, httpOf,
  registerRetrying,
};
