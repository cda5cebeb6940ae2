import { describe, expect, it } from 'vitest'
import { CRON_FIELDS, compressField, expandField, replaceField, splitExpression } from '@/utils/cron'

const [minute, hour, dayOfMonth, month, dayOfWeek] = CRON_FIELDS

describe('expandField', () => {
  it('reads ranges, lists and steps', () => {
    expect(expandField('8-23', hour)).toHaveLength(16)
    expect(expandField('9,15,21', hour)).toEqual([9, 15, 21])
    expect(expandField('*/15', minute)).toEqual([0, 15, 30, 45])
    expect(expandField('1-10/3', dayOfMonth)).toEqual([1, 4, 7, 10])
  })

  it('treats * as every value', () => {
    expect(expandField('*', month)).toEqual([])
  })

  it('knows weekday and month names, and 7 as Sunday', () => {
    expect(expandField('mon-fri', dayOfWeek)).toEqual([1, 2, 3, 4, 5])
    expect(expandField('6,7', dayOfWeek)).toEqual([0, 6])
    expect(expandField('5-7', dayOfWeek)).toEqual([0, 5, 6])
    expect(expandField('jan,dec', month)).toEqual([1, 12])
  })

  it('gives up on what it cannot show', () => {
    expect(expandField('61', minute)).toBeNull()
    expect(expandField('5-1', hour)).toBeNull()
    expect(expandField('L', dayOfMonth)).toBeNull()
  })
})

describe('compressField', () => {
  it('writes runs of three or more as ranges', () => {
    expect(compressField([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23], hour)).toBe('8-23')
    expect(compressField([1, 2, 3, 4, 5], dayOfWeek)).toBe('1-5')
    expect(compressField([0, 6], dayOfWeek)).toBe('0,6')
    expect(compressField([0, 1, 5, 6, 7], hour)).toBe('0,1,5-7')
  })

  it('writes nothing or everything as *', () => {
    expect(compressField([], minute)).toBe('*')
    expect(compressField([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], month)).toBe('*')
  })
})

describe('expressions', () => {
  it('splits five fields only', () => {
    expect(splitExpression(' 0  8-23 * * 1-5 ')).toEqual(['0', '8-23', '*', '*', '1-5'])
    expect(splitExpression('0 8 * *')).toBeNull()
    expect(splitExpression('')).toBeNull()
  })

  it('replaces one field and keeps the others as typed', () => {
    expect(replaceField('*/5 8-23 * * mon-fri', 1, '9')).toBe('*/5 9 * * mon-fri')
  })
})
