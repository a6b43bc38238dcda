// Runs the @nestjs/swagger CLI plugin inside ts-jest, with the same options as nest-cli.json,
// so the OpenAPI document under test is the one `nest build` produces.
const plugin = require('@nestjs/swagger/plugin');
const options = require('../../nest-cli.json').compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (cs) => plugin.before(options, cs.program);
