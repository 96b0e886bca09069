// Checks a credential the way an outside verifier does, with code digcomp does not contain: Digital Bazaar's W3C
// VC 2.0 stack (vc, data-integrity, eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites, bitstring status list) for a
// credential with an embedded proof; jose (compactVerify) for a credential sealed as a JWS (application/vc+jwt), its
// status then checked by the same status-list library. JSON-LD contexts come only from files (the ones digcomp
// vendors, and the context packages installed here); keys, controller documents and status lists are fetched over
// HTTP from the running server.
//
// Usage: node verify.mjs VOCAB_DIR < credential.json   (or < credential.jwt)
// Prints one JSON line: {"verified": bool, "error": str|null, "status": {"checked": bool, "revoked": bool}|null}
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

import {contexts as credentialContexts} from '@digitalbazaar/credentials-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite as jcsVerifier} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import * as jose from 'jose';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
const vocab = process.argv[2];
const fileContexts = {
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': join(vocab, 'ob-context-3.0.3.jsonld'),
  'https://www.w3.org/ns/cid/v1': join(vocab, 'cid-v1.jsonld'),
  [MULTIKEY_CONTEXT]: new URL(
    './node_modules/@digitalbazaar/multikey-context/contexts/multikey-v1.jsonld', import.meta.url).pathname,
};

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

async function fetchJson(url) {
  const answer = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
  if(!answer.ok) {
    throw new Error(`GET ${url} answered ${answer.status}`);
  }
  return answer.json();
}

async function documentLoader(url) {
  if(credentialContexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: credentialContexts.get(url)};
  }
  if(url in fileContexts) {
    return {contextUrl: null, documentUrl: url, document: readJson(fileContexts[url])};
  }
  if(!/^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) {
    throw new Error(`refusing to load ${url}: not a vendored context, not the test server`);
  }
  const [documentUrl, fragment] = url.split('#');
  const document = await fetchJson(documentUrl);
  if(!fragment) {
    return {contextUrl: null, documentUrl: url, document};
  }
  // a verification method: the key, as its controller document lists it
  const method = (document.verificationMethod || []).find(m => m.id === url);
  if(!method) {
    throw new Error(`${documentUrl} lists no verification method ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: {'@context': MULTIKEY_CONTEXT, ...method}};
}

const suite = [
  new DataIntegrityProof({cryptosuite: rdfc}),
  new DataIntegrityProof({cryptosuite: jcsVerifier()}),
];

// A Multikey's publicKeyMultibase as a JWK: base58btc, then the two-byte Ed25519 multicodec prefix, then the key.
function multikeyToJwk(multibase) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let value = 0n;
  for(const character of multibase.slice(1)) {
    value = value * 58n + BigInt(alphabet.indexOf(character));
  }
  const bytes = Buffer.from(value.toString(16).padStart(68, '0'), 'hex');
  return {kty: 'OKP', crv: 'Ed25519', x: bytes.subarray(2).toString('base64url')};
}

async function verifySealed(token) {
  const {kid} = jose.decodeProtectedHeader(token);
  const {document: method} = await documentLoader(kid);
  const key = await jose.importJWK(multikeyToJwk(method.publicKeyMultibase), 'Ed25519');
  let credential;
  try {
    const {payload, protectedHeader} = await jose.compactVerify(token, key, {algorithms: ['Ed25519']});
    if(protectedHeader.typ !== 'vc+jwt') {
      throw new Error(`typ is ${protectedHeader.typ}, not vc+jwt`);
    }
    credential = JSON.parse(new TextDecoder().decode(payload));
  } catch(error) {
    return {verified: false, error};
  }
  const issuer = typeof credential.issuer === 'object' ? credential.issuer.id : credential.issuer;
  if(method.controller !== issuer) {
    return {verified: false, error: new Error('Credential issuer must match the verification method controller.')};
  }
  // EBSI's Europass EDC schema allows only {id, type: "CredentialStatus"}: the id addresses a bit of a W3C Bitstring
  // Status List (the list's URL, the position after #), read here as the equivalent BitstringStatusListEntry.
  const [list, position] = credential.credentialStatus.id.split('#');
  const credentialStatus = {
    id: credential.credentialStatus.id, type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
    statusListIndex: position, statusListCredential: list,
  };
  const statusResult = await checkStatus({credential: {...credential, credentialStatus}, documentLoader, suite});
  return {verified: statusResult.verified, statusResult, error: statusResult.error};
}

const input = readFileSync(0, 'utf8').trim();
const result = input.startsWith('ey') ? await verifySealed(input) :
  await vc.verifyCredential({credential: JSON.parse(input), suite, documentLoader, checkStatus});
const statuses = result.statusResult ? result.statusResult.results || [] : [];
const status = result.statusResult ? {
  checked: Boolean(result.statusResult.verified),
  revoked: statuses.some(s => s.credentialStatus.statusPurpose === 'revocation' && s.status === true),
} : null;
const errors = [].concat(result.error || [], ...(result.results || []).map(r => r.error || []));
const message = errors.map(e => (e.errors || [e]).map(inner => inner.message).join('; ')).join('; ');
console.log(JSON.stringify({verified: result.verified, error: message || null, status}));
