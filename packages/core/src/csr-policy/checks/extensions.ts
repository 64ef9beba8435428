import { describeExtension } from '../../x509/extension-names.ts';
import { SUBJECT_ALT_NAME_OID } from '../../x509/subject-alt-names.ts';
import { type Check, isResult, parsedOr } from '../check.ts';
import { fail, pass } from '../types.ts';

/**
 * A kubelet's request carries subjectAltName and nothing else (Go's x509.CreateCertificateRequest
 * from DNSNames and IPAddresses). Anything more (basicConstraints CA:TRUE, keyUsage, extKeyUsage)
 * asks for a certificate no kubelet needs: a signer that honoured it would issue more than asked.
 */
export const extensions: Check = {
  id: 'extensions',
  run: (input) => {
    const csr = parsedOr(input, 'extensions');
    if (isResult(csr)) return csr;
    const extra = csr.extensionOids.filter((oid) => oid !== SUBJECT_ALT_NAME_OID);
    if (extra.length)
      return fail(
        'extensions',
        `the request asks for ${extra.length === 1 ? 'an extension' : 'extensions'} a kubelet never requests: ${extra.map(describeExtension).join(', ')}`,
      );
    return pass(
      'extensions',
      csr.extensionOids.length ? 'the only requested extension is subjectAltName' : 'no extensions requested',
    );
  },
};
