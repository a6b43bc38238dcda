import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { API_KEY_PREFIX, ApiKeysService } from '../accounts/api-keys.service';
import type { Principal } from './principal';

/** `Authorization: Bearer ldk_…`: an API key issued by POST /api-keys. Other tokens fall through to JWT. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async validate(request: FastifyRequest): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !match[1].startsWith(API_KEY_PREFIX)) return null;
    return this.apiKeys.authenticate(match[1]);
  }
}
