// End to end: the official Azure IoT device and service SDKs against
// `chaintrust serve`, through the operator's disenrollment workflow.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');

const h = require('./harness');

const HUBS = ['hub-a.azure-devices.net', 'hub-b.azure-devices.net'];
const QUOTA = 5;

describe('chaintrust serve with the Azure IoT SDKs', () => {
  const serviceKey = h.randomKey();
  const policy = path.join(h.TMP, 'policy.json');
  const store = path.join(h.TMP, 'registrations.db');
  let server;
  let service;
  let root;
  let intermediate;
  const leaves = {};
  const leaf = (id, issuer) => { leaves[id] = h.mint(id, id, issuer, false); return leaves[id]; };
  const x509 = (id) => () => h.x509Device(leaves[id], leaves[id].issuer === 'root' ? [] : [intermediate]);

  before(async () => {
    fs.writeFileSync(policy, '{"individualEnrollments": [], "enrollmentGroups": []}\n');
    root = h.mint('root', 'Contoso Test Root', null, true);
    intermediate = h.mint('intermediate', 'Contoso Test Intermediate', root, true);
    for (const id of ['dev-a', 'dev-b', 'dev-c']) leaf(id, intermediate);
    for (const id of ['dev-r1', 'dev-r2', 'dev-r3', 'dev-r4', 'dev-r5', 'dev-r6']) {
      leaf(id, root).issuer = 'root';
    }
    server = new h.Server({
      policy, store, serviceKey, hubs: HUBS, maxRegistrations: QUOTA,
    });
    await server.start();
    service = h.serviceClient(serviceKey);
  });

  after(async () => {
    if (server) await server.stop();
  });

  it('1. X.509 groups on an intermediate and on the root: a device gets its hub and device ID', async () => {
    await service.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: 'grp-intermediate',
      attestation: { type: 'x509', x509: { signingCertificates: { primary: { certificate: intermediate.cert } } } },
      provisioningStatus: 'enabled',
    });
    await service.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: 'grp-root',
      attestation: { type: 'x509', x509: { signingCertificates: { primary: { certificate: root.cert } } } },
      provisioningStatus: 'enabled',
    });
    const result = await x509('dev-a')().register();
    assert.equal(result.status, 'assigned');
    assert.equal(result.registrationId, 'dev-a');
    assert.equal(result.deviceId, 'dev-a');
    assert.ok(HUBS.includes(result.assignedHub), result.assignedHub);
    assert.equal(result.x509.enrollmentGroupId, 'grp-intermediate');
    // Hashed allocation is deterministic per registration ID.
    const again = await x509('dev-a')().register();
    assert.equal(again.assignedHub, result.assignedHub);
  });

  it('2. disabling the intermediate group refuses its device although the root group is enabled', async () => {
    const { responseBody: group } = await service.getEnrollmentGroup('grp-intermediate');
    const stale = { ...group };
    group.provisioningStatus = 'disabled';
    await service.createOrUpdateEnrollmentGroup(group);
    // The etag changed: an update carrying the old one is refused.
    stale.provisioningStatus = 'enabled';
    await assert.rejects(service.createOrUpdateEnrollmentGroup(stale),
      (err) => h.httpOf(err).status === 412);

    await assert.rejects(h.registerRetrying(x509('dev-a')), /disabled/);

    const { responseBody: current } = await service.getEnrollmentGroup('grp-intermediate');
    current.provisioningStatus = 'enabled';
    await service.createOrUpdateEnrollmentGroup(current);
    const result = await h.registerRetrying(x509('dev-a'));
    assert.equal(result.status, 'assigned');
    assert.equal(result.x509.enrollmentGroupId, 'grp-intermediate');
  });

  it('3. a disabled symmetric-key individual enrollment blocks one device, not its siblings', async () => {
    await service.createOrUpdateIndividualEnrollment({
      registrationId: 'dev-b',
      attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: h.randomKey(), secondaryKey: h.randomKey() } },
      provisioningStatus: 'disabled',
    });
    await assert.rejects(h.registerRetrying(x509('dev-b')), /disabled/);
    const sibling = await h.registerRetrying(x509('dev-c'));
    assert.equal(sibling.status, 'assigned');
    assert.equal(sibling.x509.enrollmentGroupId, 'grp-intermediate');
  });

  it('4. deleting the intermediate group: its device provisions through the root group', async () => {
    await service.deleteEnrollmentGroup('grp-intermediate');
    await assert.rejects(service.getEnrollmentGroup('grp-intermediate'),
      (err) => h.httpOf(err).status === 404);
    const result = await h.registerRetrying(x509('dev-a'));
    assert.equal(result.status, 'assigned');
    assert.equal(result.x509.enrollmentGroupId, 'grp-root');
  });

  it('5. quota: records of a deleted group still count until deleted through the service API', async () => {
    // dev-c's record came through the deleted intermediate group.
    const query = service.createEnrollmentGroupDeviceRegistrationStateQuery(
      { query: 'SELECT *' }, 'grp-intermediate');
    const page = await query.next();
    const orphans = (page.result || page.responseBody).map((r) => r.registrationId);
    assert.deepEqual(orphans, ['dev-c']);

    // Fill the quota with new devices under the root; one is refused.
    const admitted = [];
    let refused;
    for (const id of ['dev-r1', 'dev-r2', 'dev-r3', 'dev-r4', 'dev-r5']) {
      try {
        await h.registerRetrying(x509(id));
        admitted.push(id);
      } catch (err) {
        assert.equal(h.httpOf(err).status, 403, String(err));
        assert.match(JSON.stringify(h.httpOf(err).body), /QUOTA_EXCEEDED/);
        refused = id;
        break;
      }
    }
    assert.ok(refused, 'the quota never filled');
    assert.ok(admitted.length >= 1 && admitted.length < QUOTA, admitted.join());

    const { responseBody: orphan } = await service.getDeviceRegistrationState('dev-c');
    await service.deleteDeviceRegistrationState(orphan.registrationId, orphan.etag);
    await assert.rejects(service.getDeviceRegistrationState('dev-c'),
      (err) => h.httpOf(err).status === 404);
    const result = await h.registerRetrying(x509(refused));
    assert.equal(result.status, 'assigned');

    // Make room for the next steps.
    for (const id of [...admitted, refused]) await service.deleteDeviceRegistrationState(id);
  });

  it('6. symmetric-key individual and group devices provision; a wrong key is refused', async () => {
    const individualKey = h.randomKey();
    await service.createOrUpdateIndividualEnrollment({
      registrationId: 'sym-ind-1',
      deviceId: 'sym-device-1',
      attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: individualKey, secondaryKey: h.randomKey() } },
      initialTwin: { properties: { desired: { colour: 'blue' } } },
    });
    const individual = await h.registerRetrying(() => h.symmetricKeyDevice('sym-ind-1', individualKey));
    assert.equal(individual.status, 'assigned');
    assert.equal(individual.deviceId, 'sym-device-1');
    assert.deepEqual(individual.initialTwin, { properties: { desired: { colour: 'blue' } } });

    const groupKey = h.randomKey();
    await service.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: 'grp-sym',
      attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: groupKey, secondaryKey: h.randomKey() } },
    });
    const member = await h.registerRetrying(
      () => h.symmetricKeyDevice('sym-grp-1', h.deriveDeviceKey(groupKey, 'sym-grp-1')));
    assert.equal(member.status, 'assigned');
    assert.equal(member.symmetricKey.enrollmentGroupId, 'grp-sym');

    await assert.rejects(h.symmetricKeyDevice('sym-grp-2', h.randomKey()).register(),
      (err) => h.httpOf(err).status === 401);
  });

  it('7. a device retrying after a deny is throttled: 429 with the Retry-After of the backoff', async () => {
    const wrong = () => h.symmetricKeyDevice('sym-ind-1', h.randomKey());
    const observed = [];
    for (let round = 1; round <= 2; ++round) {
      // An evaluated attempt: denied for its key.
      await assert.rejects(wrong().register(), (err) => h.httpOf(err).status === 401);
      // At once again: refused before evaluation, with the backoff's length
      // (1 s after the first deny, 2 s after the second).
      const err = await wrong().register().then(() => null, (e) => e);
      assert.ok(err, 'the retry was not refused');
      const { status, retryAfter, body } = h.httpOf(err);
      assert.equal(status, 429);
      assert.match(JSON.stringify(body), /THROTTLED/);
      observed.push(retryAfter);
      await h.sleep(retryAfter * 1000 + 100);
    }
    assert.deepEqual(observed, [1, 2]);
  });

  it('8. a restart keeps enrollments and registration records', async () => {
    const before = (await service.getDeviceRegistrationState('sym-grp-1')).responseBody;
    const exit = await server.stop();
    assert.equal(exit.code, 0, server.log);
    server = new h.Server({ policy, store, serviceKey, hubs: HUBS, maxRegistrations: QUOTA });
    await server.start();
    const group = (await service.getEnrollmentGroup('grp-root')).responseBody;
    assert.equal(group.provisioningStatus, 'enabled');
    const individual = (await service.getIndividualEnrollment('dev-b')).responseBody;
    assert.equal(individual.provisioningStatus, 'disabled');
    await assert.rejects(service.getEnrollmentGroup('grp-intermediate'),
      (err) => h.httpOf(err).status === 404);
    const record = (await service.getDeviceRegistrationState('sym-grp-1')).responseBody;
    assert.equal(record.etag, before.etag);
    assert.equal(record.createdDateTimeUtc, before.createdDateTimeUtc);
    // And the restored policy decides devices as before.
    await assert.rejects(h.registerRetrying(x509('dev-b')), /disabled/);
    const result = await h.registerRetrying(x509('dev-a'));
    assert.equal(result.x509.enrollmentGroupId, 'grp-root');
  });

  it('9. re-registration follows the enrollment\'s reprovisionPolicy', async () => {
    const key = h.randomKey();
    const device = () => h.symmetricKeyDevice('reprov-1', key);
    // Creates or updates reprov-1's enrollment with one hub and a policy.
    const enroll = async (hub, reprovisionPolicy) => {
      const current = await service.getIndividualEnrollment('reprov-1')
        .then((r) => r.responseBody, () => null);
      const enrollment = {
        registrationId: 'reprov-1',
        attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: key, secondaryKey: h.randomKey() } },
        allocationPolicy: 'hashed',
        iotHubs: [hub],
      };
      if (reprovisionPolicy) enrollment.reprovisionPolicy = reprovisionPolicy;
      if (current) enrollment.etag = current.etag;
      await service.createOrUpdateIndividualEnrollment(enrollment);
    };
    const [hubA, hubB] = HUBS;

    await enroll(hubA);
    let result = await h.registerRetrying(device);
    assert.equal(result.assignedHub, hubA);
    assert.equal(result.substatus, 'initialAssignment');

    // Never re-provision: the device stays where it is.
    await enroll(hubB, { updateHubAssignment: false, migrateDeviceData: true });
    result = await h.registerRetrying(device);
    assert.equal(result.assignedHub, hubA);
    assert.equal(result.substatus, 'initialAssignment');

    // Re-provision and reset to the enrollment's initial state.
    await enroll(hubB, { updateHubAssignment: true, migrateDeviceData: false });
    result = await h.registerRetrying(device);
    assert.equal(result.assignedHub, hubB);
    assert.equal(result.substatus, 'deviceDataReset');

    // Re-provision and migrate the device's data (the default).
    await enroll(hubA);
    result = await h.registerRetrying(device);
    assert.equal(result.assignedHub, hubA);
    assert.equal(result.substatus, 'deviceDataMigrated');
    const record = (await service.getDeviceRegistrationState('reprov-1')).responseBody;
    assert.equal(record.assignedHub, hubA);
    assert.equal(record.substatus, 'deviceDataMigrated');
  });

  it('bulk enrollment operations are refused with 405 and a DPS error', async () => {
    // With a callback: this SDK call's promise never settles on an error.
    const bulk = await new Promise((resolve) => service.runBulkEnrollmentOperation({
      mode: 'create',
      enrollments: [{
        registrationId: 'bulk-1',
        attestation: { type: 'symmetricKey', symmetricKey: { primaryKey: h.randomKey(), secondaryKey: h.randomKey() } },
      }],
    }, (err) => resolve(err || null)));
    assert.ok(bulk, 'the bulk operation was accepted');
    const { status, body } = h.httpOf(bulk);
    assert.equal(status, 405);
    assert.match(JSON.stringify(body), /bulk/);
    await assert.rejects(service.getIndividualEnrollment('bulk-1'),
      (err) => h.httpOf(err).status === 404);
  });

  it('serves /healthz, /metrics, and answers malformed and unknown requests as DPS does', async () => {
    assert.equal((await h.get('/healthz')).status, 200);
    const metrics = (await h.get('/metrics')).body;
    assert.match(metrics, /chaintrust_decisions_total\{reason="ENROLLMENT_GROUP_ENABLED"\} \d+/);
    assert.match(metrics, /chaintrust_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
    assert.match(metrics, /chaintrust_store_errors_total 0/);
    const unknown = await h.get('/nowhere');
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.body).errorCode, 404);
    const wrongMethod = await h.request('DELETE', `/${h.ID_SCOPE}/registrations/dev-a/register`);
    assert.equal(wrongMethod.status, 405);
    const malformed = await h.request('PUT', `/${h.ID_SCOPE}/registrations/dev-a/register`, {
      body: '{"registrationId": ', headers: { 'content-type': 'application/json' },
      cert: leaves['dev-a'].cert + intermediate.cert, key: leaves['dev-a'].key,
    });
    assert.equal(malformed.status, 400);
    assert.equal(JSON.parse(malformed.body).errorCode, 400);
    const noToken = await h.get('/enrollmentGroups/grp-root');
    assert.equal(noToken.status, 401);
    // The access log is written in blocks, at least every 50 ms.
    await h.sleep(300);
    const lines = server.accessLog();
    assert.ok(lines.some((l) => l.route === 'unknown' && l.status === 404));
  });
});
