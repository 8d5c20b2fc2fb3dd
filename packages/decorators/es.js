// @mikro-native/decorators/es: the implementation lives in @mikro-native/core.
export * from '@mikro-native/core/decorators/es';
