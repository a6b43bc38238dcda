import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** What a new lead that matches a live lead does (API.md section 11). */
export const DUPLICATE_POLICIES = ['allow', 'reject', 'assign_to_owner'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

/** An account (a tenant): migrations/1764250000000-Platform.js, settings 1764270000000-AccountSettings.js. */
@Entity('accounts')
@Check('accounts_default_country_check', `default_country ~ '^[A-Z]{2}$'`)
@Check('accounts_duplicate_policy_check', `duplicate_policy IN ('allow', 'reject', 'assign_to_owner')`)
export class AccountEntity {
  /** bigint: TypeORM hands it over as a string, which is how the API shows account ids. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT', primaryKeyConstraintName: 'accounts_pkey' })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** IANA time zone: members without their own zone work in it; API-key usage days are counted in it */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone: string;

  /** ISO 3166 alpha-2: the country of phone numbers written without a country code */
  @Column({ name: 'default_country', type: 'char', length: 2, default: 'US' })
  defaultCountry: string;

  @Column({ name: 'duplicate_policy', type: 'varchar', length: 16, default: 'allow' })
  duplicatePolicy: DuplicatePolicy;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
