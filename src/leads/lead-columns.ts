import type { LeadInputDto } from './dto/lead-input.dto';
import type { LeadDto } from './dto/lead.dto';

/** The fields of a LeadInput (what a create writes and a PATCH may change), in the seed's order, with their columns. */
export const INPUT_COLUMNS = [
  ['teamId', 'team_id'],
  ['leadSourceId', 'lead_source_id'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['imgSrc', 'img_src'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['company', 'company'],
  ['jobTitle', 'job_title'],
  ['branch', 'branch'],
  ['source', 'source'],
  ['position', 'position'],
  ['location', 'location'],
  ['productsServicesSold', 'products_services_sold'],
  ['numberOfEmployees', 'number_of_employees'],
  ['currentPaymentProcessor', 'current_payment_processor'],
  ['monthlyTransactionVolume', 'monthly_transaction_volume'],
  ['interestedInSwitching', 'interested_in_switching'],
  ['processStage', 'process_stage'],
  ['buyingRole', 'buying_role'],
  ['assignedTo', 'assigned_to'],
  ['notes', 'notes'],
  ['lastContacted', 'last_contacted'],
  ['archived', 'archived'],
  ['createdBy', 'created_by'],
] as const satisfies readonly (readonly [keyof LeadInputDto & keyof LeadDto, string])[];

export type InputField = (typeof INPUT_COLUMNS)[number][0];
export type LeadValues = { [K in InputField]: unknown };
