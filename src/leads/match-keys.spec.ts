import { emailKeyOf, matchKeysOf, phoneKeyOf } from './match-keys';

describe('match keys (API.md section 11)', () => {
  it.each([
    ['Ada@Example.com', 'ada@example.com'],
    ['  ada@example.com ', 'ada@example.com'],
    ['   ', null],
    [null, null],
  ])('email %j → %j', (email, key) => expect(emailKeyOf(email)).toBe(key));

  it.each([
    ['(415) 555-0100', 'US', '+14155550100'],
    ['+1 415 555 0100', 'GB', '+14155550100'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['020 7946 0958', 'US', '02079460958'], // not a possible US number: its digits alone
    ['ext. 12', 'US', '12'],
    ['no digits', 'US', null],
    [undefined, 'US', null],
  ])('phone %j for %s → %j', (phone, country, key) => expect(phoneKeyOf(phone, country)).toBe(key));

  it('both keys at once', () => {
    expect(matchKeysOf({ email: 'A@B.co', phone: '415-555-0100' }, 'US')).toEqual({ emailKey: 'a@b.co', phoneKey: '+14155550100' });
  });
});
